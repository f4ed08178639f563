package io.countersign.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EventIdsTest {

  @Test
  void defaultEventIdsAreDistinctVersion4RandomUuids() {
    EventIds ids = new EventIds();
    Pattern v4 = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      String id = ids.get();
      assertThat(id).matches(v4);
      assertThat(seen.add(id)).as("duplicate id %s", id).isTrue();
    }
    assertThat(new EventIds().get()).isNotIn(seen);
  }
}
