package dev.gatehouse.appliance.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

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
