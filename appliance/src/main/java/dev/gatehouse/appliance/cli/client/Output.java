package dev.gatehouse.appliance.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where a command's results go: stdout for results (a table, or the API's JSON with
 * {@code --json}), stderr for notes meant for a person, so that {@code $(gatehouse ...)} captures
 * only results.
 */
record Output(PrintWriter out, PrintWriter err, boolean json) {

    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    void json(JsonNode value) {
        try {
            out.println(PRETTY.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    /** An answer: with {@code --json} the document as it came, else what {@code text} makes of it. */
    void show(JsonNode value, Consumer<JsonNode> text) {
        if (json) {
            json(value);
        } else {
            text.accept(value);
        }
    }

    /** A list answer: with {@code --json} the document, else {@code table} with one row per item. */
    void items(JsonNode list, Table table, BiConsumer<Table, JsonNode> row) {
        show(list, l -> {
            l.path("items").forEach(item -> row.accept(table, item));
            table(table);
        });
    }

    /** A list answer whose columns are these fields of each item, as they are. */
    void items(JsonNode list, Table table, String... fields) {
        items(list, table, (t, item) -> t.row(Arrays.stream(fields).map(field -> text(item, field)).toArray()));
    }

    /**
     * A created item whose secret is shown only now: with {@code --json} the document, else the
     * secret alone on stdout (for {@code $(gatehouse ...)}) and {@code note} about it on stderr.
     */
    void secret(JsonNode created, String field, Function<JsonNode, String> note) {
        show(created, c -> {
            line(text(c, field));
            note(note.apply(c));
        });
    }

    /** A line for a person after a call whose answer {@code --json} leaves out. */
    void done(String text) {
        if (!json) {
            line(text);
        }
    }

    void line(String text) {
        out.println(text);
    }

    void table(Table table) {
        table.print(out);
    }

    /** A note on stderr. */
    void note(String text) {
        err.println(text);
    }

    /** A JSON field as text, or null when absent or null. */
    static String text(JsonNode node, String field) {
        JsonNode n = node.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** A JSON array of strings joined with {@code ", "} (names, domains); null when absent. */
    static String joined(JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || !n.isArray()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        n.forEach(x -> parts.add(x.asText()));
        return String.join(", ", parts);
    }
}
