-- Included by postgres-init.sql in each of the stack's databases. Tables, views, sequences and functions
-- that an earlier version of the stack created as the superuser move to the database's owner, so that
-- later migrations (Temporal's update-schema, Flyway) running as that owner may alter them. Sequences that
-- belong to a column follow their table; objects of an extension stay with the extension. On a new volume
-- there is nothing to move.
DO $fixup$
DECLARE
  owner oid := (SELECT datdba FROM pg_database WHERE datname = current_database());
  statement text;
BEGIN
  FOR statement IN
    SELECT format('ALTER %s %s OWNER TO %s',
                  CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 ELSE 'TABLE' END,
                  c.oid::regclass, owner::regrole)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner <> owner
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
    UNION ALL
    SELECT format('ALTER ROUTINE %s OWNER TO %s', p.oid::regprocedure, owner::regrole)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.proowner <> owner
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE statement;
  END LOOP;
END
$fixup$;
