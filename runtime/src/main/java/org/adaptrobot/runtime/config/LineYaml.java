package org.adaptrobot.runtime.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.adaptrobot.drivers.hardware.ConfigException;

/**
 * YAML read into plain values (maps, lists, numbers as {@code Double}, booleans, text) that
 * remember the line each started on, so a file's checker can name file, line and key. A key that
 * appears twice in one mapping is an error. Used by scenario files and import specs.
 */
public final class LineYaml {

  private LineYaml() {}

  /** A value parsed from YAML, with the line it started on. */
  public record Node(Object value, int line) {}

  /**
   * Reads a file.
   *
   * @param expected what the file should hold, for the message about an empty one
   * @throws ConfigException naming the file (and line) when it is not readable YAML
   */
  public static Node load(Path file, String expected) throws ConfigException {
    String f = file.getFileName().toString();
    try (JsonParser p = new YAMLFactory().createParser(Files.readAllBytes(file))) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new ConfigException(List.of(f + ":1: empty file; expected " + expected));
      }
      return read(p);
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      throw new ConfigException(
          List.of(f + ": cannot be read as YAML (" + m.lines().findFirst().orElse("") + ")"));
    }
  }

  /** Reads the value at the parser's current token, remembering lines. */
  static Node read(JsonParser p) throws IOException {
    int line = p.currentTokenLocation().getLineNr();
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        Map<String, Node> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          int keyLine = p.currentTokenLocation().getLineNr();
          p.nextToken();
          Node v = read(p);
          if (m.containsKey(key)) {
            throw new IOException("line " + keyLine + ": key " + key + " appears twice");
          }
          m.put(key, v);
        }
        return new Node(m, line);
      }
      case START_ARRAY -> {
        List<Node> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(read(p));
        }
        return new Node(list, line);
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return new Node(p.getDoubleValue(), line);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new Node(p.getBooleanValue(), line);
      }
      case VALUE_NULL -> {
        return new Node(null, line);
      }
      default -> {
        return new Node(p.getText(), line);
      }
    }
  }
}
