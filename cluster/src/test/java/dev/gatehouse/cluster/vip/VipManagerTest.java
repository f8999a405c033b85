package dev.gatehouse.cluster.vip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.cluster.membership.Controller;
import dev.gatehouse.cluster.membership.Membership;
import dev.gatehouse.cluster.membership.MembershipSettings;
import dev.gatehouse.cluster.membership.MembershipTestAccess;
import dev.gatehouse.cluster.vip.driver.VipSpec;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * VIP managers on real JGroups channels in one JVM (loopback, encrypted stack as in production),
 * each with a driver on a shared pretend segment that records who holds what: VIPs spread, move
 * when a member leaves, goes silent (DISCARD) or turns unhealthy, come back to one owner after a
 * partition heals, and are handed over make-before-break on a graceful step-down.
 */
class VipManagerTest {

    private static final byte[] SECRET = "gatehouse test cluster secret #1".getBytes(StandardCharsets.UTF_8);
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final List<String> ADDRESSES = List.of("198.18.0.100", "198.18.0.101", "198.18.0.102", "198.18.0.103");

    private final String cluster = "gh-vip-" + System.nanoTime();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final SharedSegment segment = new SharedSegment();

    record Member(VipManager manager, Membership membership, Controller controller, SharedSegment.Driver driver,
                  AtomicReference<String> problem) {
        void stop() {
            manager.close();
            membership.close();
            controller.close();
        }
    }

    private final long violationsBefore = ThreadOwner.violations();

    @AfterEach
    void stopAll() {
        new ArrayList<>(members.values()).forEach(Member::stop);
        assertThat(ThreadOwner.violations() - violationsBefore).as("state changed off its owning thread").isZero();
    }

    @Test
    void twoMembersSpreadTheVipsWithOneHolderEach() throws Exception {
        startTwoSpread();
        for (String vip : ADDRESSES) {
            assertThat(segment.holders(vip)).as(vip).hasSize(1);
        }
        assertThat(members.get("a").manager().owners()).isEqualTo(members.get("b").manager().owners());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> status = (List<Map<String, Object>>) members.get("b").manager().status().get("vips");
        assertThat(status).hasSize(4).allSatisfy(v -> assertThat(v.get("owner")).isIn("a", "b"));
    }

    @Test
    void survivorTakesTheVipsOfAMemberThatDiesAndNeverHasTwoHolders() throws Exception {
        startTwoSpread();

        int before = segment.changes().size();
        Member a = members.remove("a");
        a.manager().close();     // a crash: the unit's ExecStopPost removes the dead node's addresses
        a.membership().close();
        a.controller().close();

        awaitHeld("b", 4);
        List<SharedSegment.Change> failover = segment.changes().subList(before, segment.changes().size());
        assertThat(failover).allSatisfy(c -> assertThat(c.holdersAfter()).as("holders of %s", c.vip())
                .isLessThanOrEqualTo(1));
    }

    @Test
    void silentMemberLosesItsVipsAndAfterHealingEveryVipHasOneHolder() throws Exception {
        startTwoSpread();

        DISCARD discard = silence("b");
        // Both sides are alone in their view: each takes every VIP (the split brain that a
        // gateway check limits on real hosts).
        awaitHeld("a", 4);
        awaitHeld("b", 4);

        discard.discardAll(false);
        await().atMost(DEADLINE).untilAsserted(() -> {
            for (String vip : ADDRESSES) {
                assertThat(segment.holders(vip)).as("holders of %s after healing", vip).hasSize(1);
            }
            assertThat(members.get("a").manager().owners()).isEqualTo(members.get("b").manager().owners());
        });
        // Whoever kept a VIP announces it again after the merge (neighbours may have followed the other side).
        await().atMost(DEADLINE).untilAsserted(() -> {
            for (String vip : ADDRESSES) {
                String holder = segment.holders(vip).iterator().next();
                assertThat(segment.announcements(holder, vip)).as("announcements of %s by %s", vip, holder)
                        .isGreaterThan(1);
            }
        });
    }

    @Test
    void afterHealingTheKeeperAnnouncesAgainEvenWhenItsPlanDidNotChange() throws Exception {
        ports("a", "b");
        List<ManagedVip> one = List.of(new ManagedVip(spec("198.18.0.100"), Optional.empty()));
        start("a", one, Failback.disabled());
        start("b", one, Failback.disabled());
        await().atMost(DEADLINE).until(() -> segment.holders("198.18.0.100").equals(Set.of("a")));

        DISCARD discard = silence("a");
        await().atMost(DEADLINE).until(() -> segment.holders("198.18.0.100").equals(Set.of("a", "b")));
        Map<String, Integer> before = Map.of("a", segment.announcements("a", "198.18.0.100"),
                "b", segment.announcements("b", "198.18.0.100"));

        discard.discardAll(false);
        // The merged view's coordinator keeps the VIP (its own plan never changed); neighbours may
        // have followed the other side's announcement during the split, so it must announce again.
        await().atMost(DEADLINE).untilAsserted(() -> {
            assertThat(segment.holders("198.18.0.100")).hasSize(1);
            String keeper = segment.holders("198.18.0.100").iterator().next();
            assertThat(segment.announcements(keeper, "198.18.0.100")).as("announcements by %s", keeper)
                    .isGreaterThan(before.get(keeper));
        });
    }

    @Test
    void unhealthyMemberGivesItsVipsAwayAndGetsSomeBackWhenHealthy() throws Exception {
        startTwoSpread();

        members.get("b").problem().set("https listener not answering");
        awaitHeld("a", 4);
        awaitHeld("b", 0);
        assertThat(members.get("b").manager().status()).extractingByKey("health")
                .asString().contains("https listener not answering");

        members.get("b").problem().set(null);
        awaitHeld("a", 2);
        awaitHeld("b", 2);
        for (String vip : ADDRESSES) {
            assertThat(segment.holders(vip)).as(vip).hasSize(1);
        }
    }

    @Test
    void stepDownHandsOverMakeBeforeBreak() throws Exception {
        startTwoSpread();
        int before = segment.changes().size();

        assertThat(members.get("a").manager().stepDown(Duration.ofSeconds(5))).isTrue();

        assertThat(segment.holders("198.18.0.100")).containsExactly("b");
        awaitHeld("b", 4);
        List<SharedSegment.Change> handover = segment.changes().subList(before, segment.changes().size());
        assertThat(handover).isNotEmpty().allSatisfy(c -> assertThat(c.holdersAfter())
                .as("%s has a holder at every moment of the hand-over", c.vip()).isGreaterThanOrEqualTo(1));
    }

    @Test
    void failbackWaitsForTheHoldDownThenReturnsPreferredVips() throws Exception {
        ports("a", "b");
        // One VIP: with more, the member that comes back receives its share by rebalancing as soon
        // as it has settled (the planner keeps the spread at one), and failback is about the rest.
        List<ManagedVip> preferring = List.of(new ManagedVip(spec("198.18.0.100"), Optional.of("a")));
        Failback failback = Failback.after(Duration.ofSeconds(2));
        start("a", preferring, failback);
        start("b", preferring, failback);
        await().atMost(DEADLINE).until(() -> segment.holders("198.18.0.100").equals(Set.of("a")));

        members.get("a").problem().set("snapshot not loaded");
        await().atMost(DEADLINE).until(() -> segment.holders("198.18.0.100").equals(Set.of("b")));
        long healthyAgain = System.nanoTime();
        members.get("a").problem().set(null);

        await().atMost(DEADLINE).until(() -> segment.holders("198.18.0.100").equals(Set.of("a")));
        long back = segment.changes().stream().filter(c -> c.vip().equals("198.18.0.100") && c.node().equals("a")
                && c.held()).mapToLong(SharedSegment.Change::nanos).max().orElseThrow();
        // settle (200 ms) + hold-down (2 s) is a lower bound, not a timing assertion on speed
        assertThat(Duration.ofNanos(back - healthyAgain)).isGreaterThanOrEqualTo(Duration.ofMillis(2000));
    }

    /**
     * A VIP given back to its old holder while that holder still has it (drained, waiting for the
     * new owner's claim to land before it releases) is claimed again only after the new owner, which
     * has claimed and announced it meanwhile, has drained its own connections on it: otherwise the
     * old holder's announcement takes the neighbours away from connections the new owner is serving.
     */
    @Test
    void aVipGivenBackMidHandOverWaitsForTheMemberThatClaimedItToDrain() throws Exception {
        ports("a", "b");
        String vip = "198.18.0.100";
        List<ManagedVip> preferring = List.of(new ManagedVip(spec(vip), Optional.of("a")));
        Failback failback = Failback.after(Duration.ofMillis(300));
        // a long hand-over delay: a keeps the VIP (drained) for 5 s after b's claim, so it is given back
        // to a (failback) while a still holds it
        Map<String, List<Long>> drains = new java.util.concurrent.ConcurrentHashMap<>();
        start("a", preferring, failback, segment.driver("a"), Duration.ofSeconds(5), recordingDrain("a", drains));
        start("b", preferring, failback, segment.driver("b"), Duration.ofSeconds(5), recordingDrain("b", drains));
        await().atMost(DEADLINE).until(() -> segment.holders(vip).equals(Set.of("a")));

        members.get("a").problem().set("snapshot not loaded");
        await().atMost(DEADLINE).until(() -> segment.holders(vip).contains("b"));
        assertThat(segment.holders(vip)).as("a still holds it during the hand-over delay").contains("a");
        members.get("a").problem().set(null);

        await().atMost(DEADLINE).until(() -> drains.containsKey("b"));
        await().atMost(DEADLINE).until(() -> segment.holders(vip).equals(Set.of("a")));
        List<Long> aClaims = segment.claimTimes("a", vip);
        long bDrained = drains.get("b").get(0);
        assertThat(aClaims.get(aClaims.size() - 1)).as("a announced the VIP again after b, which had claimed it,"
                + " drained it (a's claims %s, b drained at %d)", aClaims, bDrained).isGreaterThan(bDrained);
    }

    @Test
    void startRemovesLeftoversAndFailedClaimsAreRetried() throws Exception {
        ports("a");
        SharedSegment.Driver driver = segment.driver("a");
        driver.addBehindTheBack(spec("198.18.0.103"));
        driver.failClaims = 2;
        start("a", vips(), Failback.disabled(), driver);

        awaitHeld("a", 4);
        assertThat(segment.changes()).filteredOn(c -> c.vip().equals("198.18.0.103")).extracting(
                SharedSegment.Change::held).startsWith(true, false, true);
    }

    @Test
    void repairPutsBackAnAddressRemovedByHand() throws Exception {
        ports("a");
        start("a", vips(), Failback.disabled());
        awaitHeld("a", 4);

        members.get("a").driver().release(spec("198.18.0.101"));
        await().atMost(DEADLINE).until(() -> segment.holders("198.18.0.101").equals(Set.of("a")));
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A drain that records when {@code node} drained an address (nanos, in order) into {@code into}. */
    private static ConnectionDrain recordingDrain(String node, Map<String, List<Long>> into) {
        return new ConnectionDrain() {
            @Override
            public int drain(java.net.InetAddress vip, Duration limit) {
                into.computeIfAbsent(node, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(System.nanoTime());
                return 0;
            }

            @Override
            public void resume(java.net.InetAddress vip) {
            }
        };
    }

    private static VipSpec spec(String address) {
        return VipSpec.parse(address + "/24", "eth0");
    }

    private static List<ManagedVip> vips() {
        return ADDRESSES.stream().map(a -> new ManagedVip(spec(a), Optional.empty())).toList();
    }

    private void awaitHeld(String node, int count) {
        await().atMost(DEADLINE).untilAsserted(() -> {
            long held = ADDRESSES.stream().filter(v -> segment.holders(v).contains(node)).count();
            assertThat(held).as("VIPs held by %s", node).isEqualTo(count);
        });
    }

    /** Members a and b on every VIP without failback, each holding two: the start of most cases. */
    private void startTwoSpread() throws Exception {
        ports("a", "b");
        start("a", vips(), Failback.disabled());
        start("b", vips(), Failback.disabled());
        awaitHeld("a", 2);
        awaitHeld("b", 2);
    }

    /** Drops everything {@code name} sends and receives (a silent member) until the returned DISCARD is turned off. */
    private DISCARD silence(String name) throws Exception {
        DISCARD discard = new DISCARD().discardAll(true);
        MembershipTestAccess.channel(members.get(name).membership()).getProtocolStack()
                .insertProtocol(discard, ProtocolStack.Position.ABOVE, TP.class);
        return discard;
    }

    private void ports(String... names) throws Exception {
        for (String name : names) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports.put(name, s.getLocalPort());
            }
        }
    }

    private void start(String name, List<ManagedVip> vips, Failback failback) throws Exception {
        start(name, vips, failback, segment.driver(name));
    }

    private void start(String name, List<ManagedVip> vips, Failback failback, SharedSegment.Driver driver)
            throws Exception {
        start(name, vips, failback, driver, Duration.ofMillis(100), ConnectionDrain.NONE);
    }

    private void start(String name, List<ManagedVip> vips, Failback failback, SharedSegment.Driver driver,
            Duration handover, ConnectionDrain drain) throws Exception {
        AtomicReference<String> problem = new AtomicReference<>();
        VipSettings settings = VipSettings.defaults(name, vips, failback).withSettle(Duration.ofMillis(200))
                .withHandover(handover);
        VipManager manager = VipManager.create(settings, driver, problem::get, Clock.systemUTC());
        manager.drainWith(drain);
        Controller controller = Controller.named("vip-controller-" + name);
        MembershipSettings ms = MembershipSettings.builder()
                .clusterName(cluster)
                .nodeName(name)
                .bind("127.0.0.1", ports.get(name))
                .peers(ports.values().stream().map(p -> "127.0.0.1:" + p).toList())
                .secret(SECRET)
                .build();
        Membership membership = Membership.connect(ms, controller, manager);
        manager.start(controller, membership::broadcast);
        members.put(name, new Member(manager, membership, controller, driver, problem));
    }
}
