package io.countersign.postgres;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.deser.std.StdDelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdDelegatingSerializer;
import com.fasterxml.jackson.databind.util.StdConverter;
import io.countersign.ApprovalRequest;
import io.countersign.ApprovalRequirement;
import io.countersign.policy.Escalation;
import java.time.Duration;
import java.util.List;
import io.countersign.spi.RequestStore.DeferredCall;

/** JSON forms of the values the store keeps in jsonb columns. */
final class RequestJson {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .addModule(new SimpleModule("countersign-requirement")
          .addSerializer(ApprovalRequirement.class, new StdDelegatingSerializer(new StdConverter<ApprovalRequirement, RequirementJson>() {
            @Override
            public RequirementJson convert(ApprovalRequirement r) {
              return new RequirementJson(r.quorums(), r.timeout(), r.reasonRequired(), r.escalation());
            }
          }))
          .addDeserializer(ApprovalRequirement.class, new StdDelegatingDeserializer<>(new StdConverter<RequirementJson, ApprovalRequirement>() {
            @Override
            public ApprovalRequirement convert(RequirementJson j) {
              ApprovalRequirement.Builder b = ApprovalRequirement.builder().quorum(j.quorums().get(0))
                  .timeout(j.timeout()).reasonRequired(j.reasonRequired());
              for (ApprovalRequirement.Quorum q : j.quorums().subList(1, j.quorums().size())) {
                b.and(q.count(), q.approvers().toArray(String[]::new));
              }
              if (j.escalation() != null) {
                b.escalation(j.escalation());
              }
              return b.build();
            }
          })))
      .build();

  /** The stored form of an {@link ApprovalRequirement} (built back through its validating builder). */
  record RequirementJson(List<ApprovalRequirement.Quorum> quorums, Duration timeout, boolean reasonRequired, Escalation escalation) {}

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
