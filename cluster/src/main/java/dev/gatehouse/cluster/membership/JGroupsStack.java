package dev.gatehouse.cluster.membership;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.conf.ProtocolStackConfigurator;
import org.jgroups.conf.XmlConfigurator;
import org.jgroups.protocols.AUTH;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.stack.Protocol;

/**
 * Turns {@code gatehouse-jgroups.xml} into a protocol stack for one node: fills in the
 * {@code ${gatehouse.*:default}} values from its settings, then, as each protocol is created and
 * before it is initialised, hands {@code SYM_ENCRYPT} and {@code AUTH} their keys.
 */
final class JGroupsStack {

    static final String RESOURCE = "gatehouse-jgroups.xml";
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(gatehouse\\.[a-z_]+)(?::([^}]*))?}");

    private JGroupsStack() {
    }

    static ProtocolStackConfigurator configurator(MembershipSettings settings) throws IOException {
        String xml = render(template(), settings.xmlProperties());
        XmlConfigurator parsed = XmlConfigurator.getInstance(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        ClusterKeys keys = ClusterKeys.derive(settings.secret());
        return new ProtocolStackConfigurator() {
            @Override
            public String getProtocolStackString() {
                return parsed.getProtocolStackString();
            }

            @Override
            public List<ProtocolConfiguration> getProtocolStack() {
                return parsed.getProtocolStack();
            }

            @Override
            public void afterCreation(Protocol prot) {
                if (prot instanceof SYM_ENCRYPT sym) {
                    // setSecretKey replaces a transformation whose algorithm differs from the key's
                    // (ChaCha20-Poly1305 vs ChaCha20), so the configured one is put back after
                    String transformation = sym.symAlgorithm();
                    sym.setKeyStoreEntry(keys.encryptionEntry(transformation));
                    sym.symAlgorithm(transformation);
                } else if (prot instanceof AUTH auth) {
                    SecretAuthToken token = new SecretAuthToken(keys.authentication());
                    token.setAuth(auth);
                    auth.setAuthToken(token);
                }
            }
        };
    }

    static String template() throws IOException {
        try (InputStream in = JGroupsStack.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + ": not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Replaces each {@code ${gatehouse.name:default}} with its value, or its default when unset. */
    static String render(String xml, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(xml);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.getOrDefault(m.group(1), m.group(2));
            if (value == null) {
                throw new IllegalArgumentException(m.group(1) + ": unset (expected: a value, as it has no default)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(escapeXml(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String escapeXml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
