package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.Reader;
import java.util.Set;

/**
 * A YAML factory whose parser reads only {@code true} and {@code false} as booleans (YAML 1.2's
 * core schema). SnakeYAML follows YAML 1.1, where an unquoted {@code off}, {@code no}, {@code on} or
 * {@code yes} is a boolean too: {@code failback: off} arrived as {@code false} and a string or
 * duration field could not tell it from a typo. Read as text, each field decides by its own type
 * ({@link ConfigReader#bool} still takes the YAML 1.1 words, so {@code redirectHttp: off} works).
 */
final class Yaml12Booleans extends YAMLFactory {

    private static final long serialVersionUID = 1L;
    /** The words SnakeYAML (YAML 1.1) reads as booleans besides true/false, in the spellings it accepts. */
    static final Set<String> YAML11_TRUE = Set.of("yes", "Yes", "YES", "on", "On", "ON");
    static final Set<String> YAML11_FALSE = Set.of("no", "No", "NO", "off", "Off", "OFF");

    @Override
    protected YAMLParser _createParser(Reader r, IOContext ctxt) {
        return new YAMLParser(ctxt, _parserFeatures, _yamlParserFeatures, _loaderOptions, _objectCodec, r) {
            @Override
            protected Boolean _matchYAMLBoolean(String value, int len) {
                Boolean b = super._matchYAMLBoolean(value, len);
                return b == null || YAML11_TRUE.contains(value) || YAML11_FALSE.contains(value) ? null : b;
            }
        };
    }
}
