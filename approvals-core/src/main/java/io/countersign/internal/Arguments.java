package io.countersign.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.Argument;
import io.countersign.Invocation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Renders a call's arguments for reviewers (redacting {@code @Sensitive} ones) and digests their real
 * values, so that an approval is bound to exactly what was shown.
 *
 * <p>Values are serialized with Jackson, maps and properties in sorted order, so that equal values
 * give equal bytes. A value Jackson cannot serialize is represented by its type and
 * {@code String.valueOf}, so the call is still guarded (mutations then show only if its
 * {@code toString} changes; document such types or give them Jackson-visible properties).
 */
final class Arguments {

  static final int MAX_SHOWN_CHARS = 2_000;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .build();

  private Arguments() {}

  /** SHA-256 (hex) over every argument's type and serialized value, sensitive ones included. */
  static String digest(Object[] args) {
    MessageDigest sha = sha256();
    for (Object arg : args) {
      byte[] type = (arg == null ? "null" : arg.getClass().getName()).getBytes(StandardCharsets.UTF_8);
      byte[] value = serialize(arg).getBytes(StandardCharsets.UTF_8);
      // length-prefixed so that no two different argument lists can produce the same byte stream
      sha.update(lengthPrefix(type.length));
      sha.update(type);
      sha.update(lengthPrefix(value.length));
      sha.update(value);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The arguments as reviewers and the audit trail see them. */
  static List<Argument> shown(Invocation invocation, boolean[] sensitive) {
    Object[] args = invocation.args();
    List<Argument> out = new ArrayList<>(args.length);
    Class<?>[] types = invocation.method().getParameterTypes();
    for (int i = 0; i < args.length; i++) {
      String name = invocation.parameterName(i);
      String type = types[i].getSimpleName();
      if (sensitive[i]) {
        out.add(new Argument(name, type, Argument.REDACTED, true));
      } else {
        String value = serialize(args[i]);
        if (value.length() > MAX_SHOWN_CHARS) {
          value = value.substring(0, MAX_SHOWN_CHARS) + "... (" + value.length() + " chars, digest covers all)";
        }
        out.add(new Argument(name, type, value, false));
      }
    }
    return out;
  }

  static String serialize(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (Exception e) {
      return "\"" + value.getClass().getName() + ":" + String.valueOf(value).replace("\"", "\\\"") + "\"";
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by the Java platform", e);
    }
  }

  private static byte[] lengthPrefix(int n) {
    return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
  }
}
