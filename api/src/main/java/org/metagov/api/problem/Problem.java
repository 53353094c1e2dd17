package org.metagov.api.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.metagov.activities.plugin.FieldError;

/**
 * An RFC 9457 problem document with a stable machine {@code code} and, for validation, the failing
 * fields.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
    String type,
    String title,
    int status,
    String detail,
    String code,
    String instance,
    List<FieldError> errors) {}
