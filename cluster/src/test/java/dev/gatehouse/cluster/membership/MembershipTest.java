package dev.gatehouse.cluster.membership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Collections;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.stack.Protocol;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several JGroups channels in one JVM on loopback, each with its own port and controller: they
 * form one view, split and heal (DISCARD), shrink and grow, and keep out a host without the
 * cluster secret.
 */
class MembershipTest {

    private static final byte[] SECRET = "gatehouse test cluster secret #1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_SECRET = "a guess that is not the secret!!".getBytes(StandardCharsets.UTF_8);
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private final String cluster = "gh-test-" + System.nanoTime();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();

    /** A started member and every view it was given. */
    record Node(Membership membership, Controller controller, List<MembershipView> views) {
        List<String> names() {
            return membership.view().names();
        }
    }

    @AfterEach
    void stop() {
        new ArrayList<>(nodes.values()).forEach(n -> {
            n.membership().close();
            n.controller().close();
        });
    }

    @Test
    void threeMembersFormOneViewInJoinOrder() throws Exception {
        startThreeInOneView();
        assertThat(nodes.get("b").membership().view().coordinator().orElseThrow().address())
                .isEqualTo("127.0.0.1:" + ports.get("a"));
        assertThat(nodes.get("a").membership().channel().getProtocolStack().getTransport()
                .getDiagnosticsHandler().isEnabled()).as("probe listener (unauthenticated) is off").isFalse();
        List<Protocol> bottomUp = new ArrayList<>(nodes.get("a").membership().channel().getProtocolStack().getProtocols());
        Collections.reverse(bottomUp);
        assertThat(bottomUp).extracting(Protocol::getName).containsExactly("TCP", "NON_BLOCKING_SENDS", "SYM_ENCRYPT",
                "SERIALIZE", "TCPPING", "MERGE3", "FD_SOCK2", "FD_ALL3", "VERIFY_SUSPECT2", "BARRIER", "NAKACK2",
                "UNICAST3", "STABLE", "AUTH", "GMS", "MFC", "UFC", "FRAG2");
        assertThat(((SYM_ENCRYPT) bottomUp.get(2)).symAlgorithm()).isEqualTo("ChaCha20-Poly1305");
    }

    @Test
    void splitsWhenAMemberGoesSilentAndHealsWhenItIsBack() throws Exception {
        startThreeInOneView();

        DISCARD discard = new DISCARD().discardAll(true);
        nodes.get("c").membership().channel().getProtocolStack()
                .insertProtocol(discard, ProtocolStack.Position.ABOVE, TP.class);
        awaitViews(List.of("a", "b"), "a", "b");
        awaitViews(List.of("c"), "c");

        discard.discardAll(false);
        awaitOneViewOf("a", "b", "c");
        assertThat(nodes.values()).anySatisfy(n -> assertThat(n.views()).anyMatch(MembershipView::merged));
    }

    @Test
    void dropsALeavingMemberAndTakesItBack() throws Exception {
        startThreeInOneView();

        Node c = nodes.remove("c");
        c.membership().close();
        c.controller().close();
        awaitViews(List.of("a", "b"), "a", "b");

        start("c", SECRET);
        awaitViews(List.of("a", "b", "c"), "a", "b", "c");
    }

    @Test
    void keepsOutAHostWithoutTheClusterSecret() throws Exception {
        plan("a", "b", "rogue");
        start("a", SECRET);
        start("b", SECRET);
        awaitViews(List.of("a", "b"), "a", "b");

        start("rogue", OTHER_SECRET);
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() ->
                nodes.get("a").names().equals(List.of("a", "b"))
                        && nodes.get("b").names().equals(List.of("a", "b"))
                        && nodes.get("rogue").names().equals(List.of("rogue")));
        for (String name : List.of("a", "b")) {
            assertThat(nodes.get(name).views()).allSatisfy(v -> assertThat(v.names()).doesNotContain("rogue"));
        }
        assertThat(nodes.get("rogue").views()).allSatisfy(v -> assertThat(v.names()).containsExactly("rogue"));
    }

    /** Starts a, b and c (in that order) with the cluster secret and waits until each sees the view [a, b, c]. */
    private void startThreeInOneView() throws Exception {
        plan("a", "b", "c");
        start("a", SECRET);
        start("b", SECRET);
        start("c", SECRET);
        awaitViews(List.of("a", "b", "c"), "a", "b", "c");
    }

    private void plan(String... names) throws Exception {
        for (String name : names) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports.put(name, s.getLocalPort());
            }
        }
    }

    private void start(String name, byte[] secret) throws Exception {
        List<String> peers = ports.values().stream().map(p -> "127.0.0.1:" + p).toList();
        MembershipSettings settings = MembershipSettings.builder()
                .clusterName(cluster)
                .nodeName(name)
                .bind("127.0.0.1", ports.get(name))
                .peers(peers)
                .secret(secret)
                .build();
        Controller controller = Controller.named("controller-" + name);
        List<MembershipView> views = new CopyOnWriteArrayList<>();
        Membership membership = Membership.connect(settings, controller, views::add);
        nodes.put(name, new Node(membership, controller, views));
    }

    /** Every member in one view of exactly these members (a merge view's order is JGroups' choice). */
    private void awaitOneViewOf(String... members) {
        await().atMost(DEADLINE).untilAsserted(() -> {
            List<String> first = nodes.get(members[0]).names();
            assertThat(first).containsExactlyInAnyOrder(members);
            for (String m : members) {
                assertThat(nodes.get(m).names()).as("view of %s", m).isEqualTo(first);
            }
        });
    }

    private void awaitViews(List<String> expected, String... members) {
        await().atMost(DEADLINE).untilAsserted(() -> {
            for (String m : members) {
                assertThat(nodes.get(m).names()).as("view of %s", m).isEqualTo(expected);
            }
        });
    }
}
