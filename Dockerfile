# syntax=docker/dockerfile:1
# Multi-stage build of the Metagov service (api module's Spring Boot jar, api/target/metagov.jar).
#
#   docker build -t metagov-temporal .
#   docker run -p 127.0.0.1:8000:8000 metagov-temporal   # embedded mode (not durable), see DESIGN.md §3
#
# Health and Prometheus metrics are on the management port (MANAGEMENT_PORT, 8081), which is not
# EXPOSEd, so `docker run -P` does not publish it.
#
# For a real deployment use docker-compose.yml, which sets TEMPORAL_ADDRESS and the datasource.

########## build ##########
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src

# POMs first, so the dependency download is a cached layer that only changes with the POMs.
COPY pom.xml ./
# Error Prone needs the compiler's internals opened to Maven's JVM.
COPY .mvn .mvn
COPY workflows/pom.xml workflows/pom.xml
COPY activities/pom.xml activities/pom.xml
COPY api/pom.xml api/pom.xml
# Warm the local repository. go-offline leaves the reactor's own modules out; a few plugins
# resolve extra artifacts only at run time, which the package step below still fetches.
RUN mvn -B -q dependency:go-offline

# Then the sources of the three modules.
COPY workflows/src workflows/src
COPY activities/src activities/src
COPY api/src api/src
RUN mvn -B -DskipTests -Dspotless.check.skip=true package \
 && cp api/target/metagov.jar /metagov.jar

########## runtime ##########
FROM eclipse-temurin:17-jre

# curl for the container health check (/actuator/health on the management port).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system metagov \
 && useradd --system --gid metagov --home-dir /app --shell /usr/sbin/nologin metagov \
 && mkdir -p /app \
 && chown metagov:metagov /app

WORKDIR /app
COPY --from=build --chown=metagov:metagov /metagov.jar /app/metagov.jar

USER metagov
ENV PORT=8000 \
    MANAGEMENT_PORT=8081 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=12 \
  CMD curl -fsS -o /dev/null "http://localhost:${MANAGEMENT_PORT}/actuator/health" || exit 1
ENTRYPOINT ["java", "-jar", "/app/metagov.jar"]
