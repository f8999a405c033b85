package dev.gatehouse.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.AccessPattern;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Binds a section of the file into a record with Jackson, keeping the reader's error messages:
 * every scalar goes through the {@link ConfigReader} rule of its Java type (with the {@link Bind}
 * annotations of its record component: default, bounds), which records a problem with the field's
 * path, the value as written and what was expected, and gives the default instead of throwing.
 * Before Jackson sees the section, its shape is checked against the record (unknown fields, a
 * scalar where a mapping or a list belongs), so that binding itself cannot fail and every problem
 * of the file is reported at once. Cross-field rules stay in the section classes, after binding.
 *
 * <p>The whole file is bound in one call, into {@link ConfigFile}. Lists of records are bound element by
 * element (an element that is not a mapping is reported, or expanded by the type's {@link Bind.Shorthand});
 * a list of strings is left to its section to check element by element, so that a null or a mapping
 * in it is named with that field's own expectation.
 *
 * <p>Adding a field: a record component with its type and, if any, {@code @Default}/{@code @Range}/
 * {@code @AtLeast}/{@code @Size}/{@code @OrOff}. Adding a section: a record, a component of
 * {@link ConfigFile}, and its section class if it has rules across fields.
 */
final class ConfigBinder {

    private static final String BASE = "gatehouse.config.base";
    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(module());

    private ConfigBinder() {
    }

    /**
     * The record bound from {@code section} (a mapping found at {@code at}, or null when the file
     * has none: every field then takes its default). Problems go to {@code r}; never throws.
     */
    static <T extends Record> T bind(ConfigReader r, String at, JsonNode section, Class<T> type) {
        ObjectNode copy = section != null && section.isObject() ? section.deepCopy()
                : JsonNodeFactory.instance.objectNode();
        shape(r, at, copy, type);
        try {
            return MAPPER.readerFor(type).withAttribute(ConfigReader.class, r).withAttribute(BASE, at)
                    .readValue(MAPPER.treeAsTokens(copy));
        } catch (IOException | RuntimeException e) {
            // not expected after shape(): a safety net so that check-config still prints a problem, not a trace
            r.problem(at, section, "a valid " + (at.isEmpty() ? "file" : at + " section") + " ("
                    + e.getMessage() + ")");
            try {
                return MAPPER.readerFor(type).withAttribute(ConfigReader.class, new ConfigReader())
                        .withAttribute(BASE, at).readValue(MAPPER.treeAsTokens(shaped(type)));
            } catch (IOException bug) {
                throw new IllegalStateException("the defaults of " + type.getSimpleName() + " do not bind", bug);
            }
        }
    }

    private static ObjectNode shaped(Class<?> type) {
        ObjectNode empty = JsonNodeFactory.instance.objectNode();
        shape(new ConfigReader(), "", empty, type);
        return empty;
    }

    /**
     * Unknown fields reported and dropped; a nested record must be a mapping, a collection a list, and each
     * element of a list of records a mapping (else it is reported and bound as null, so indices still match).
     */
    private static void shape(ConfigReader r, String at, ObjectNode node, Class<?> type) {
        Set<String> known = new LinkedHashSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            known.add(name(c));
        }
        r.onlyKnown(at, node, known);
        node.retain(known);
        for (RecordComponent c : type.getRecordComponents()) {
            String field = name(c);
            String where = ConfigReader.join(at, field);
            JsonNode v = node.get(field);
            boolean present = v != null && !v.isNull();
            if (c.getType().isRecord()) {
                ObjectNode o = present ? mapping(r, where, v, c.getType()) : null;
                if (o == null) {
                    node.remove(field);
                    if (c.getAnnotation(Bind.IfPresent.class) == null) {
                        o = node.putObject(field);
                    }
                }
                if (o != null) {
                    node.set(field, o);
                    shape(r, where, o, c.getType());
                }
            } else if (Collection.class.isAssignableFrom(c.getType()) && present && !v.isArray()) {
                r.problem(where, v, "a list");
                node.remove(field);
            } else if (present && v instanceof ArrayNode list && elementType(c) instanceof Class<?> e && e.isRecord()) {
                for (int i = 0; i < list.size(); i++) {
                    ObjectNode o = mapping(r, where + "[" + i + "]", list.get(i), e);
                    list.set(i, o == null ? NullNode.instance : o);
                    if (o != null) {
                        shape(r, where + "[" + i + "]", o, e);
                    }
                }
            }
        }
    }

    /** {@code v} as a mapping for {@code type} (a scalar expanded by its {@link Bind.Shorthand}), or null, reported. */
    private static ObjectNode mapping(ConfigReader r, String at, JsonNode v, Class<?> type) {
        if (v instanceof ObjectNode o) {
            return o;
        }
        Bind.Shorthand shorthand = type.getAnnotation(Bind.Shorthand.class);
        if (shorthand != null && v.isValueNode() && !v.isNull()) {
            return JsonNodeFactory.instance.objectNode().set(shorthand.value(), v);
        }
        Bind.Expect expect = type.getAnnotation(Bind.Expect.class);
        r.problem(at, v, expect == null ? "a mapping" : expect.value());
        return null;
    }

    /** The field's name in the file: the component's, unless its accessor says otherwise ({@code interface}). */
    private static String name(RecordComponent c) {
        JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
        return p == null || p.value().isEmpty() ? c.getName() : p.value();
    }

    private static Type elementType(RecordComponent c) {
        return c.getGenericType() instanceof ParameterizedType p ? p.getActualTypeArguments()[0] : null;
    }

    private static SimpleModule module() {
        SimpleModule m = new SimpleModule("gatehouse-config");
        for (Class<?> t : new Class<?>[] {String.class, Boolean.class, boolean.class, Integer.class, int.class,
            Long.class, long.class, Duration.class, Path.class, java.net.InetSocketAddress.class, Enum.class}) {
            @SuppressWarnings("unchecked")
            Class<Object> c = (Class<Object>) t;
            m.addDeserializer(c, new Scalar(new Rule(t, null, null, null, false, false, false)));
        }
        return m;
    }

    /** {@code base.field[2].x}: where the parser stands, as a problem names it. */
    static String path(String base, JsonStreamContext c) {
        Deque<String> parts = new ArrayDeque<>();
        for (; c != null && !c.inRoot(); c = c.getParent()) {
            parts.push(c.inArray() ? "[" + Math.max(0, c.getCurrentIndex()) + "]" : "." + c.getCurrentName());
        }
        StringBuilder b = new StringBuilder(base);
        for (String p : parts) {
            b.append(b.length() == 0 && p.startsWith(".") ? p.substring(1) : p);
        }
        return b.toString();
    }

    /**
     * Jackson's side of one scalar field: finds the field's {@link Rule} from its record component and
     * reads every value (and every null or absence) by it.
     */
    private static final class Scalar extends JsonDeserializer<Object> implements ContextualDeserializer {
        private final Rule rule;

        Scalar(Rule rule) {
            this.rule = rule;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            Class<?> t = property == null ? ctxt.getContextualType().getRawClass()
                    : property.getType().isCollectionLikeType() ? property.getType().getContentType().getRawClass()
                    : property.getType().getRawClass();
            boolean element = property != null && property.getType().isCollectionLikeType();
            Bind.Range rg = property == null || element ? null : property.getAnnotation(Bind.Range.class);
            Bind.AtLeast al = property == null || element ? null : property.getAnnotation(Bind.AtLeast.class);
            boolean sz = property != null && !element && property.getAnnotation(Bind.Size.class) != null;
            boolean off = property != null && !element && property.getAnnotation(Bind.OrOff.class) != null;
            Bind.Default d = property == null || element ? null : property.getAnnotation(Bind.Default.class);
            Rule r = new Rule(t, rg, al, null, sz, off, element);
            if (d == null) {
                return new Scalar(r);
            }
            ConfigReader check = new ConfigReader();
            Object v = r.read(check, "default", literal(t, d.value()));
            if (!check.problems().isEmpty()) {
                throw new IllegalStateException("@Default of " + property.getName() + ": " + check.problems());
            }
            return new Scalar(r.withDefault(v));
        }

        private static JsonNode literal(Class<?> t, String text) {
            if (t == int.class || t == Integer.class) {
                return text.matches("-?\\d+") ? IntNode.valueOf(Integer.parseInt(text)) : TextNode.valueOf(text);
            }
            if (t == boolean.class || t == Boolean.class) {
                return BooleanNode.valueOf(Boolean.parseBoolean(text));
            }
            return TextNode.valueOf(text);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonStreamContext where = p.getParsingContext();
            if (p.currentToken() != null && p.currentToken().isStructStart()) {
                where = where.getParent(); // at a { or [ the parser already stands in the new context
            }
            String at = path((String) ctxt.getAttribute(BASE), where);
            JsonNode n = ctxt.readTree(p);
            return rule.read((ConfigReader) ctxt.getAttribute(ConfigReader.class), at, n);
        }

        /**
         * A written null takes the default; so does a null list element, left for the section to name. Jackson
         * asks here too when {@link Rule#read} gave null (an {@code off}, or a bad value already reported): that
         * stays null, so that no rule across fields runs on a default the file did not ask for.
         */
        @Override
        public Object getNullValue(DeserializationContext ctxt) {
            JsonParser p = ctxt.getParser();
            return rule.element() || (p != null && !p.hasToken(JsonToken.VALUE_NULL)) ? null : rule.absent();
        }

        @Override
        public AccessPattern getNullAccessPattern() {
            return AccessPattern.DYNAMIC; // asked for every null, never cached
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return rule.absent();
        }
    }

    /**
     * What one scalar field takes: its Java type, the bounds and default of its record component's
     * {@link Bind} annotations, and whether it is an element of a list; read by the {@link ConfigReader}
     * rule of its type.
     */
    private record Rule(Class<?> type, Bind.Range range, Bind.AtLeast atLeast, Object dflt, boolean size,
            boolean orOff, boolean element) {

        Rule withDefault(Object value) {
            return new Rule(type, range, atLeast, value, size, orOff, element);
        }

        /** The value of an absent field: the default, else null (0 or false for a primitive). */
        Object absent() {
            if (dflt != null || !type.isPrimitive()) {
                return dflt;
            }
            return type == boolean.class ? Boolean.FALSE : type == long.class ? (Object) 0L : (Object) 0;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        Object read(ConfigReader r, String at, JsonNode n) {
            int dot = at.lastIndexOf('.');
            String parent = dot < 0 ? "" : at.substring(0, dot);
            String field = at.substring(dot + 1);
            ObjectNode holder = JsonNodeFactory.instance.objectNode().set(field, n);
            if (size) {
                long v = r.size(parent, holder, field, dflt == null ? 0L : ((Number) dflt).longValue());
                return type == int.class || type == Integer.class ? (Object) (int) Math.min(v, Integer.MAX_VALUE) : v;
            }
            if (type == String.class && element && !n.isValueNode()) {
                return null; // an element of a list of strings: its section names what it expected there
            }
            if (type == String.class) {
                return r.string(parent, holder, field, (String) dflt);
            }
            if (type == boolean.class || type == Boolean.class) {
                return r.bool(parent, holder, field, dflt != null && (Boolean) dflt);
            }
            if (type == int.class || type == Integer.class) {
                return r.integer(parent, holder, field, dflt == null ? 0 : (Integer) dflt,
                        range == null ? Integer.MIN_VALUE : range.min(), range == null ? Integer.MAX_VALUE : range.max());
            }
            if (type == long.class || type == Long.class) {
                return n.canConvertToLong() && n.isIntegralNumber() ? n.asLong() : problem(r, at, n, "an integer");
            }
            if (type == Duration.class && orOff) {
                return r.durationOrOff(parent, holder, field, (Duration) dflt);
            }
            if (type == Duration.class) {
                return atLeast == null ? r.duration(parent, holder, field, (Duration) dflt)
                        : r.duration(parent, holder, field, (Duration) dflt, atLeastDuration());
            }
            if (type == java.net.InetSocketAddress.class) {
                return r.address(parent, holder, field, null, orOff); // null for off, and (reported) for a bad one
            }
            if (type == Path.class) {
                return r.path(at, n, r.string(parent, holder, field, null));
            }
            if (type.isEnum()) {
                return r.enumValue(parent, holder, field, (Class) type, (Enum) dflt);
            }
            return problem(r, at, n, "a value of type " + type.getSimpleName());
        }

        private Duration atLeastDuration() {
            ConfigReader check = new ConfigReader();
            ObjectNode holder = JsonNodeFactory.instance.objectNode().put("min", atLeast.value());
            return check.duration("", holder, "min", null);
        }

        private Object problem(ConfigReader r, String at, JsonNode n, String expected) {
            r.problem(at, n, expected);
            return dflt;
        }
    }
}
