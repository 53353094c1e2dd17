package org.metagov.api.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.swagger.v3.oas.annotations.Hidden;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.payload.codec.PayloadCodecException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.function.UnaryOperator;
import org.metagov.api.problem.ApiException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Temporal's codec server protocol, for the Temporal UI and CLI: {@code POST /codec/decode} and
 * {@code POST /codec/encode} take and return {@code {"payloads": [...]}}, Temporal's {@code
 * Payloads} in protobuf JSON (metadata values and data in base64), run through {@link
 * PayloadEncryptionCodec}. Only operators get through ({@link OperatorTokens#require}). The {@code
 * X-Namespace} header the UI sends is accepted and not needed: the service has one namespace and
 * one key ring.
 */
@Hidden
@RestController
public class CodecController {

  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();

  private final PayloadEncryptionCodec codec;
  private final OperatorTokens tokens;

  public CodecController(PayloadEncryptionCodec codec, OperatorTokens tokens) {
    this.codec = codec;
    this.tokens = tokens;
  }

  @PostMapping(path = "/codec/encode", produces = MediaType.APPLICATION_JSON_VALUE)
  public String encode(
      @RequestBody(required = false) String body,
      HttpServletRequest request,
      HttpServletResponse response) {
    return apply(body, codec::encode, request, response);
  }

  @PostMapping(path = "/codec/decode", produces = MediaType.APPLICATION_JSON_VALUE)
  public String decode(
      @RequestBody(required = false) String body,
      HttpServletRequest request,
      HttpServletResponse response) {
    return apply(body, codec::decode, request, response);
  }

  private String apply(
      String body,
      UnaryOperator<List<Payload>> operation,
      HttpServletRequest request,
      HttpServletResponse response) {
    tokens.require(request, response);
    Payloads.Builder payloads = Payloads.newBuilder();
    if (body == null || body.isBlank()) {
      throw malformedPayloads();
    }
    try {
      PARSER.merge(body, payloads);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw malformedPayloads();
    }
    List<Payload> result;
    try {
      result = operation.apply(payloads.getPayloadsList());
    } catch (PayloadCodecException e) {
      throw ApiException.badRequest("payload_not_decodable", e.getMessage());
    }
    try {
      return result.isEmpty()
          ? "{\"payloads\":[]}"
          : PRINTER.print(Payloads.newBuilder().addAllPayloads(result));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Payloads cannot be written as JSON", e);
    }
  }

  private static ApiException malformedPayloads() {
    return ApiException.badRequest(
        "malformed_payloads",
        "The body must be Temporal Payloads in protobuf JSON: "
            + "{\"payloads\": [{\"metadata\": {\"encoding\": \"<base64>\"}, \"data\": \"<base64>\"}]}.");
  }
}
