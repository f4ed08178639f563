package io.countersign.postgres;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.countersign.ApprovalRequest;
import io.countersign.spi.RequestStore.DeferredCall;

/** JSON forms of the values the store keeps in jsonb columns. */
final class RequestJson {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  private RequestJson() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException("could not write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  static ApprovalRequest request(String json) {
    return read(json, ApprovalRequest.class);
  }

  static DeferredCall call(String json) {
    return json == null ? null : read(json, DeferredCall.class);
  }

  private static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (Exception e) {
      throw new IllegalStateException("stored " + type.getSimpleName() + " could not be read from JSON", e);
    }
  }
}
