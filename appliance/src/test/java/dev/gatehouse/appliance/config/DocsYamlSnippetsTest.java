package dev.gatehouse.appliance.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.appliance.cli.CheckConfigCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What the docs show must work as written: every {@code ```yaml} block of {@code README.md} and
 * {@code docs/**}{@code /*.md} goes through {@code gatehouse check-config} and must be accepted.
 *
 * <p>The rule, read from the nearest non-blank line above the fence:
 * <ul>
 *   <li>no marker: the block is a whole configuration file, checked as it is;</li>
 *   <li>{@code <!-- config: fragment -->}: the block shows a part of a file (e.g. the VIPs without the
 *       cluster around them); it is merged into {@link #BASE} (mappings merged key by key, the block
 *       wins) and the result is checked;</li>
 *   <li>{@code <!-- config: none -->}: the block is not a Gatehouse configuration (Ansible variables,
 *       for instance) and is skipped; the marker makes that a decision, not an accident.</li>
 * </ul>
 * A merged fragment is written back as JSON (a YAML subset) before the check; values keep their
 * meaning, as the configuration reader takes {@code off} and {@code "off"} alike.
 */
class DocsYamlSnippetsTest {

    /** The least a fragment needs around it: a cluster with membership, as an HA example assumes. */
    static final String BASE = String.join("\n",
            "cluster:",
            "  enabled: true",
            "  bind: 198.18.0.11:5701",
            "  members: ['198.18.0.11:5701', '198.18.0.12:5701']",
            "  membership:",
            "    peers: ['198.18.0.11:7800', '198.18.0.12:7800']",
            "    secretFile: /etc/gatehouse/jgroups.secret",
            "");

    private static final Path ROOT = Path.of("..");
    private static final ObjectMapper YAML = new ObjectMapper(new Yaml12Booleans());
    private static final ObjectMapper JSON = new ObjectMapper();

    record Snippet(Path file, int line, String marker, String yaml) {
        @Override
        public String toString() {
            return file + ":" + line + (marker == null ? "" : " (" + marker + ")");
        }
    }

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyYamlBlockOfTheDocsPassesCheckConfig() {
        return snippets().stream().filter(s -> !"none".equals(s.marker()))
                .map(s -> DynamicTest.dynamicTest(s.toString(), () -> {
                    Path f = tmp.resolve("snippet-" + s.line() + ".yaml");
                    Files.writeString(f, "fragment".equals(s.marker()) ? merged(s.yaml()) : s.yaml());
                    int rc = new CommandLine(new CheckConfigCommand()).execute(f.toString());
                    String why = "";
                    if (rc != 0) {
                        try {
                            ConfigLoader.load(f);
                        } catch (ConfigException e) {
                            why = e.getMessage();
                        }
                    }
                    assertThat(rc).as("check-config of %s:%n%s%n%s", s, Files.readString(f), why).isZero();
                }));
    }

    @Test
    void findsTheBlocksAndEveryMarkerIsKnown() {
        List<Snippet> all = snippets();
        assertThat(all).as("the docs have yaml blocks").hasSizeGreaterThanOrEqualTo(5);
        assertThat(all).extracting(Snippet::marker).allMatch(m -> m == null || m.equals("fragment") || m.equals("none"));
        assertThat(all).as("the README's HA example is checked").anyMatch(s -> s.file().endsWith("README.md")
                && s.yaml().contains("failback"));
    }

    @Test
    void aFragmentIsMergedIntoTheBase() throws Exception {
        JsonNode m = YAML.readTree(merged("cluster:\n  membership:\n    ha: {vips: ['198.18.0.1'], failback: off}\n"));
        assertThat(m.at("/cluster/enabled").asBoolean()).isTrue();
        assertThat(m.at("/cluster/membership/secretFile").asText()).isEqualTo("/etc/gatehouse/jgroups.secret");
        assertThat(m.at("/cluster/membership/ha/failback").asText()).isEqualTo("off");
        assertThat(ConfigLoader.parse("merged", merged("cluster:\n  membership:\n    ha: {vips: ['198.18.0.1'], "
                + "failback: off}\n")).cluster().membership().ha().failback()).isNull();
    }

    static String merged(String fragment) {
        try {
            ObjectNode base = (ObjectNode) YAML.readTree(BASE);
            merge(base, YAML.readTree(fragment));
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(base);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void merge(ObjectNode into, JsonNode from) {
        Iterator<Map.Entry<String, JsonNode>> fields = from.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode mine = into.get(f.getKey());
            if (mine instanceof ObjectNode o && f.getValue().isObject()) {
                merge(o, f.getValue());
            } else {
                into.set(f.getKey(), f.getValue());
            }
        }
    }

    static List<Snippet> snippets() {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Snippet> out = new ArrayList<>();
        for (Path file : files) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String fence = lines.get(i);
                if (!fence.strip().equals("```yaml")) {
                    continue;
                }
                int indent = fence.indexOf('`');
                StringBuilder body = new StringBuilder();
                int j = i + 1;
                for (; j < lines.size() && !lines.get(j).strip().equals("```"); j++) {
                    String l = lines.get(j);
                    body.append(l.length() >= indent && l.substring(0, indent).isBlank() ? l.substring(indent) : l)
                            .append('\n');
                }
                out.add(new Snippet(ROOT.relativize(file), i + 1, marker(lines, i), body.toString()));
                i = j;
            }
        }
        return out;
    }

    /** The {@code <!-- config: X -->} on the nearest non-blank line above line {@code fence}, or null. */
    private static String marker(List<String> lines, int fence) {
        for (int k = fence - 1; k >= 0; k--) {
            String l = lines.get(k).strip();
            if (l.isEmpty()) {
                continue;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("<!--\\s*config:\\s*(\\S+).*-->").matcher(l);
            return m.matches() ? m.group(1) : null;
        }
        return null;
    }
}
