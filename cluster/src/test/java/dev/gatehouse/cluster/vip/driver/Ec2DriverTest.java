package dev.gatehouse.cluster.vip.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.groups.Tuple.tuple;

import dev.gatehouse.cluster.testing.MutableClock;
import java.io.IOException;
import java.net.Inet4Address;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The ec2 driver against a local fake EC2 Query API and a fake IMDSv2, checking the exact requests
 * it makes. No AWS account, no internet: everything is on 127.0.0.1.
 */
class Ec2DriverTest {

    private static final String OUR_ENI = "eni-0aaaaaaaaaaaaaaa1";
    private static final String OTHER_ENI = "eni-0bbbbbbbbbbbbbbb2";
    private static final String OUR_MAC = "0a:1b:2c:3d:4e:5f";
    private static final String VIP_IP = "10.0.1.100";
    private static final String ALLOCATION = "eipalloc-0123456789abcdef0";
    private static final String SIGV4 = "AWS4-HMAC-SHA256 Credential=AKIDGATEHOUSETEST/\\d{8}/eu-west-1/ec2/aws4_request,"
            + " SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}";

    @RegisterExtension
    final FakeImds imds = new FakeImds().nic(OUR_MAC, OUR_ENI);
    @RegisterExtension
    final FakeEc2 ec2 = new FakeEc2()
            .eni(OUR_ENI, "10.0.1.10")
            .eni(OTHER_ENI, "10.0.1.20")
            .eip(ALLOCATION, "203.0.113.25");

    private final MapAddresses local = new MapAddresses();
    private Ec2Driver driver;
    private final VipSpec vip = VipSpec.parse(VIP_IP + "/24", "eth0");
    private final VipSpec eipVip = vip.withElasticIp(ALLOCATION);

    @BeforeEach
    void start() {
        driver = new Ec2Driver(settings().build(), local);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private Ec2Settings.Builder settings() {
        return Ec2Settings.builder()
                .imdsEndpoint(imds.endpoint())
                .ec2Endpoint(ec2.endpoint())
                .macLookup(name -> {
                    if (!name.equals("eth0")) {
                        throw new IOException("interface " + name + ": no such interface");
                    }
                    return OUR_MAC;
                })
                .credentials(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDGATEHOUSETEST", "not-a-real-secret-key")))
                .callTimeout(Duration.ofSeconds(5));
    }

    @Test
    void claimAssignsTheAddressToOurEniWithReassignmentThenAddsItLocally() throws Exception {
        driver.claim(vip);

        assertThat(ec2.requests()).singleElement().satisfies(r -> {
            assertThat(r.params()).containsOnly(
                    entry("Action", "AssignPrivateIpAddresses"),
                    entry("Version", "2016-11-15"),
                    entry("AllowReassignment", "true"),
                    entry("NetworkInterfaceId", OUR_ENI),
                    entry("PrivateIpAddress.1", VIP_IP));
            assertThat(r.authorization()).matches(SIGV4);
            assertThat(r.contentType()).startsWith("application/x-www-form-urlencoded");
        });
        assertThat(ec2.secondaryAddresses(OUR_ENI)).containsExactly(VIP_IP);
        assertThat(local.calls).containsExactly("add eth0 " + VIP_IP + "/24");
        assertThat(driver.held(Set.of(vip))).containsExactly(vip);
    }

    @Test
    void readsInstanceRegionAndEniThroughImdsV2WithATokenOnEveryGet() throws Exception {
        driver.claim(vip);
        driver.claim(vip);

        List<FakeImds.Request> requests = imds.requests();
        assertThat(requests).extracting(FakeImds.Request::method, FakeImds.Request::path).containsExactly(
                tuple("PUT", "/latest/api/token"),
                tuple("GET", "/latest/meta-data/network/interfaces/macs/" + OUR_MAC + "/interface-id"),
                tuple("GET", "/latest/meta-data/instance-id"),
                tuple("GET", "/latest/meta-data/placement/region"));
        assertThat(requests.get(0).ttl()).isEqualTo("21600");
        assertThat(requests.subList(1, requests.size()))
                .allSatisfy(r -> assertThat(imds.issued(r.token())).as("token of %s", r.path()).isTrue());
    }

    @Test
    void claimingTwiceRepeatsTheSameAssignmentAndChangesNothing() throws Exception {
        driver.claim(vip);
        driver.claim(vip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "AssignPrivateIpAddresses");
        assertThat(ec2.requests().get(1).params()).isEqualTo(ec2.requests().get(0).params());
        assertThat(ec2.secondaryAddresses(OUR_ENI)).containsExactly(VIP_IP);
        assertThat(local.addresses.get("eth0")).containsExactly(VIP_IP);
    }

    @Test
    void claimingTwiceSucceedsEvenIfEc2RefusesToReassignToTheSameEni() throws Exception {
        driver.claim(vip);
        ec2.refuseReassigningToTheSameEni();

        driver.claim(vip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "AssignPrivateIpAddresses",
                "DescribeNetworkInterfaces");
        assertThat(local.addresses.get("eth0")).containsExactly(VIP_IP);
    }

    @Test
    void claimTakesTheAddressFromTheEniThatHeldIt() throws Exception {
        ec2.move(VIP_IP, OTHER_ENI);

        driver.claim(vip);

        assertThat(ec2.secondaryAddresses(OUR_ENI)).containsExactly(VIP_IP);
        assertThat(ec2.secondaryAddresses(OTHER_ENI)).isEmpty();
    }

    @Test
    void releaseRemovesTheLocalAddressThenUnassignsItFromOurEni() throws Exception {
        driver.claim(vip);

        driver.release(vip);

        assertThat(local.calls).containsExactly("add eth0 " + VIP_IP + "/24", "delete eth0 " + VIP_IP);
        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "DescribeNetworkInterfaces",
                "UnassignPrivateIpAddresses");
        assertThat(ec2.requests().get(1).params()).containsEntry("NetworkInterfaceId.1", OUR_ENI);
        assertThat(ec2.requests().get(2).params()).containsOnly(
                entry("Action", "UnassignPrivateIpAddresses"),
                entry("Version", "2016-11-15"),
                entry("NetworkInterfaceId", OUR_ENI),
                entry("PrivateIpAddress.1", VIP_IP));
        assertThat(ec2.secondaryAddresses(OUR_ENI)).isEmpty();
        assertThat(driver.held(Set.of(vip))).isEmpty();
    }

    @Test
    void releaseNeverUnassignsAnAddressThatMovedToAnotherEni() throws Exception {
        driver.claim(vip);
        ec2.move(VIP_IP, OTHER_ENI); // the survivor claimed it with AllowReassignment

        driver.release(vip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "DescribeNetworkInterfaces");
        assertThat(ec2.secondaryAddresses(OTHER_ENI)).containsExactly(VIP_IP);
        assertThat(local.addresses.get("eth0")).isEmpty();
    }

    @Test
    void releaseSucceedsWhenTheAddressMovesBetweenItsLookAndItsUnassign() throws Exception {
        driver.claim(vip);
        ec2.beforeNext("UnassignPrivateIpAddresses", fake -> fake.move(VIP_IP, OTHER_ENI));

        driver.release(vip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "DescribeNetworkInterfaces",
                "UnassignPrivateIpAddresses", "DescribeNetworkInterfaces");
        assertThat(ec2.secondaryAddresses(OTHER_ENI)).containsExactly(VIP_IP);
    }

    @Test
    void releasingTwiceChangesNothingTheSecondTime() throws Exception {
        driver.claim(vip);
        driver.release(vip);
        driver.release(vip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "DescribeNetworkInterfaces",
                "UnassignPrivateIpAddresses", "DescribeNetworkInterfaces");
    }

    @Test
    void claimWithAnElasticIpAssociatesItWithTheAddressOnOurEni() throws Exception {
        driver.claim(eipVip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "AssociateAddress");
        assertThat(ec2.requests().get(1).params()).containsOnly(
                entry("Action", "AssociateAddress"),
                entry("Version", "2016-11-15"),
                entry("AllocationId", ALLOCATION),
                entry("AllowReassociation", "true"),
                entry("NetworkInterfaceId", OUR_ENI),
                entry("PrivateIpAddress", VIP_IP));
        assertThat(ec2.associatedEni(ALLOCATION)).isEqualTo(OUR_ENI);
        assertThat(driver.held(Set.of(eipVip))).containsExactly(eipVip);
    }

    @Test
    void releaseWithAnElasticIpDisassociatesOnlyOurAssociation() throws Exception {
        driver.claim(eipVip);

        driver.release(eipVip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "AssociateAddress", "DescribeAddresses",
                "DisassociateAddress", "DescribeNetworkInterfaces", "UnassignPrivateIpAddresses");
        assertThat(ec2.requests().get(2).params()).containsEntry("AllocationId.1", ALLOCATION);
        assertThat(ec2.requests().get(3).param("AssociationId")).startsWith("eipassoc-");
        assertThat(ec2.associatedEni(ALLOCATION)).isNull();
    }

    @Test
    void releaseWithAnElasticIpLeavesTheSurvivorsAssociationAlone() throws Exception {
        driver.claim(eipVip);
        ec2.move(VIP_IP, OTHER_ENI); // EC2 moves the Elastic IP with its private address

        driver.release(eipVip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "AssociateAddress", "DescribeAddresses",
                "DescribeNetworkInterfaces");
        assertThat(ec2.associatedEni(ALLOCATION)).isEqualTo(OTHER_ENI);
        assertThat(ec2.secondaryAddresses(OTHER_ENI)).containsExactly(VIP_IP);
    }

    @Test
    void awsErrorBecomesAVipDriverExceptionNamingVipActionAndCode() {
        ec2.failNext("AssignPrivateIpAddresses", new FakeEc2.Failure(403, "UnauthorizedOperation",
                "You are not authorized to perform this operation."));

        assertThatThrownBy(() -> driver.claim(vip))
                .isInstanceOfSatisfying(VipDriverException.class, e -> assertThat(e.vip()).isEqualTo(VIP_IP))
                .hasMessageStartingWith(VIP_IP + ": AssignPrivateIpAddresses failed: UnauthorizedOperation"
                        + " (You are not authorized to perform this operation.) status=403");
        assertThat(ec2.actions()).as("not retried").containsExactly("AssignPrivateIpAddresses");
        assertThat(local.calls).as("nothing added locally").isEmpty();
    }

    @Test
    void transientServerErrorsAreRetriedWithinTheCall() throws Exception {
        ec2.failNext("AssignPrivateIpAddresses", new FakeEc2.Failure(503, "Unavailable", "The service is unavailable."));
        ec2.failNext("AssignPrivateIpAddresses", new FakeEc2.Failure(503, "RequestLimitExceeded", "Request limit exceeded."));

        driver.claim(vip);

        assertThat(ec2.actions()).containsExactly("AssignPrivateIpAddresses", "AssignPrivateIpAddresses",
                "AssignPrivateIpAddresses");
        assertThat(ec2.secondaryAddresses(OUR_ENI)).containsExactly(VIP_IP);
    }

    @Test
    void aStalledEndpointFailsTheCallWithinItsTimeout() {
        driver.close();
        driver = new Ec2Driver(settings().callTimeout(Duration.ofMillis(800)).build(), local);
        ec2.stall(30_000);

        long start = System.nanoTime();
        assertThatThrownBy(() -> driver.claim(vip))
                .isInstanceOf(VipDriverException.class)
                .hasMessageStartingWith(VIP_IP + ": AssignPrivateIpAddresses failed: timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void heldIsWhatEc2AndTheKernelBothSay() throws Exception {
        VipSpec both = VipSpec.parse("10.0.1.101/24", "eth0");
        VipSpec onlyEc2 = VipSpec.parse("10.0.1.102/24", "eth0");
        VipSpec onlyKernel = VipSpec.parse("10.0.1.103/24", "eth0");
        VipSpec eipElsewhere = VipSpec.parse("10.0.1.104/24", "eth0").withElasticIp(ALLOCATION);
        ec2.eni(OUR_ENI, "10.0.1.10", "10.0.1.101", "10.0.1.102", "10.0.1.104");
        ec2.eni(OTHER_ENI, "10.0.1.20", "10.0.1.103", "10.0.1.105");
        ec2.associate(ALLOCATION, OTHER_ENI, "10.0.1.105");
        local.add("eth0", both.address(), 24);
        local.add("eth0", onlyKernel.address(), 24);
        local.add("eth0", eipElsewhere.address(), 24);

        assertThat(driver.held(Set.of(both, onlyEc2, onlyKernel, eipElsewhere))).containsExactly(both);
        assertThat(ec2.actions()).containsExactlyInAnyOrder("DescribeNetworkInterfaces", "DescribeAddresses");
        assertThat(ec2.requests()).allSatisfy(r -> assertThat(r.authorization()).matches(SIGV4));
    }

    /**
     * Replaces the test's driver by one with {@code settings} on a clock the test moves (back-off,
     * Describe interval), starting at a fixed instant; that clock.
     */
    private MutableClock onAMovableClock(Ec2Settings settings) throws Exception {
        driver.close();
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));
        driver = new Ec2Driver(settings, local, clock);
        return clock;
    }

    @Test
    void steadyStateDescribesOnceAnIntervalNotOnEveryCheck() throws Exception {
        MutableClock clock = onAMovableClock(settings().build());
        driver.claim(vip);
        for (int i = 0; i < 20; i++) { // the manager checks every 2 s, for 40 s
            assertThat(driver.held(Set.of(vip))).containsExactly(vip);
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(ec2.actions()).as("one Describe after the claim, one more after %s", Ec2Driver.DESCRIBE_INTERVAL)
                .containsExactly("AssignPrivateIpAddresses", "DescribeNetworkInterfaces", "DescribeNetworkInterfaces");
    }

    @Test
    void anAddressTakenAwayOutsideThePlanIsNotFoughtOverButBackedOffAndReported() throws Exception {
        MutableClock clock = onAMovableClock(settings().build());
        driver.claim(vip);
        assertThat(driver.held(Set.of(vip))).containsExactly(vip);
        ec2.move(VIP_IP, OTHER_ENI); // someone else's AssignPrivateIpAddresses, not a release of ours
        clock.advance(Ec2Driver.DESCRIBE_INTERVAL);
        assertThat(driver.held(Set.of(vip))).isEmpty();
        assertThat(driver.takenAway()).containsKey(VIP_IP);
        int before = ec2.actions().size();
        for (int i = 0; i < 10; i++) { // the manager retries every 2 s: refused without a call to EC2
            assertThatThrownBy(() -> driver.claim(vip)).isInstanceOf(VipDriverException.class)
                    .hasMessageContaining("not by this cluster's plan").hasMessageContaining("back-off 30 s");
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(ec2.actions().subList(before, ec2.actions().size())).as("no fight").isEmpty();
        clock.advance(Ec2Driver.FIRST_BACKOFF);
        driver.claim(vip); // after the back-off, one claim: the address comes back
        assertThat(ec2.actions().subList(before, ec2.actions().size())).containsExactly("AssignPrivateIpAddresses");
        assertThat(driver.held(Set.of(vip))).containsExactly(vip);
        // taken again: the back-off doubles
        ec2.move(VIP_IP, OTHER_ENI);
        clock.advance(Ec2Driver.DESCRIBE_INTERVAL);
        assertThat(driver.held(Set.of(vip))).isEmpty();
        assertThatThrownBy(() -> driver.claim(vip)).hasMessageContaining("back-off 60 s");
    }

    @Test
    void anAddressThePlanGaveAwayIsNotReportedAsTaken() throws Exception {
        MutableClock clock = onAMovableClock(settings().build());
        driver.claim(vip);
        driver.release(vip);
        ec2.move(VIP_IP, OTHER_ENI); // the new owner's claim
        clock.advance(Ec2Driver.DESCRIBE_INTERVAL);
        assertThat(driver.held(Set.of(vip))).isEmpty();
        assertThat(driver.takenAway()).isEmpty();
        driver.claim(vip); // and it may be claimed back whenever the plan says so
        assertThat(driver.held(Set.of(vip))).containsExactly(vip);
    }

    @Test
    void elasticIpModeMovesOnlyTheElasticIpToOurPrimaryAddress() throws Exception {
        // nodes in different subnets and zones: the VIP is the Elastic IP, nothing private moves
        VipSpec eip = VipSpec.parse("203.0.113.25/32", "eth0").withElasticIp(ALLOCATION);
        ec2.associate(ALLOCATION, OTHER_ENI, "10.0.1.20"); // the other node (its own subnet) holds it
        MutableClock clock = onAMovableClock(settings().mode(Ec2Settings.Mode.ELASTIC_IP).build());

        driver.claim(eip);
        assertThat(ec2.actions()).containsExactly("DescribeNetworkInterfaces", "AssociateAddress");
        assertThat(ec2.requests().get(1).params()).containsEntry("AllocationId", ALLOCATION)
                .containsEntry("NetworkInterfaceId", OUR_ENI).containsEntry("PrivateIpAddress", "10.0.1.10")
                .containsEntry("AllowReassociation", "true");
        assertThat(local.calls).as("nothing added locally: traffic arrives on the primary address").isEmpty();
        assertThat(driver.held(Set.of(eip))).containsExactly(eip);
        driver.claim(eip); // the primary address is looked up once
        assertThat(ec2.actions().subList(2, ec2.actions().size())).as("held, then the second claim").containsExactly(
                "DescribeNetworkInterfaces", "DescribeAddresses", "AssociateAddress");

        driver.release(eip);
        assertThat(ec2.actions().subList(5, ec2.actions().size())).containsExactly("DescribeAddresses",
                "DisassociateAddress");
        assertThat(local.calls).isEmpty();
        assertThat(ec2.actions()).doesNotContain("AssignPrivateIpAddresses", "UnassignPrivateIpAddresses");
    }

    @Test
    void elasticIpModeDoesNotFightForAnElasticIpSomeoneElseReassociated() throws Exception {
        VipSpec eip = VipSpec.parse("203.0.113.25/32", "eth0").withElasticIp(ALLOCATION);
        MutableClock clock = onAMovableClock(settings().mode(Ec2Settings.Mode.ELASTIC_IP).build());
        driver.claim(eip);
        assertThat(driver.held(Set.of(eip))).containsExactly(eip);
        ec2.associate(ALLOCATION, OTHER_ENI, "10.0.1.20");
        clock.advance(Ec2Driver.DESCRIBE_INTERVAL);
        assertThat(driver.held(Set.of(eip))).isEmpty();
        int before = ec2.actions().size();
        assertThatThrownBy(() -> driver.claim(eip)).hasMessageContaining("not by this cluster's plan");
        assertThat(ec2.actions()).hasSize(before);
    }

    @Test
    void heldFailureNamesTheAction() {
        ec2.failNext("DescribeNetworkInterfaces", new FakeEc2.Failure(403, "UnauthorizedOperation",
                "You are not authorized to perform this operation."));

        assertThatThrownBy(() -> driver.held(Set.of(vip)))
                .isInstanceOfSatisfying(VipDriverException.class, e -> assertThat(e.vip()).isEqualTo("*"))
                .hasMessageStartingWith("*: DescribeNetworkInterfaces failed: UnauthorizedOperation");
    }

    @Test
    void refusedTokenRequestIsReportedWithoutFallingBackToImdsV1() {
        imds.tokenStatus(403);

        assertThatThrownBy(() -> driver.claim(vip))
                .isInstanceOf(VipDriverException.class)
                .hasMessage(VIP_IP + ": instance metadata api/token: IMDSv2 token request answered HTTP 403"
                        + " (IMDS is disabled on this instance)");
        assertThat(imds.requests()).extracting(FakeImds.Request::method).containsExactly("PUT");
        assertThat(ec2.requests()).isEmpty();
    }

    @Test
    void unknownInterfaceIsReportedWithTheVip() {
        VipSpec onEth9 = VipSpec.parse(VIP_IP + "/24", "eth9");

        assertThatThrownBy(() -> driver.claim(onEth9))
                .isInstanceOf(VipDriverException.class)
                .hasMessage(VIP_IP + ": cannot find the MAC address of eth9: interface eth9: no such interface");
    }

    @Test
    void regionOverrideSkipsThePlacementLookup() throws Exception {
        driver.close();
        driver = new Ec2Driver(settings().region("eu-west-1").build(), local);

        driver.claim(vip);

        assertThat(imds.requests()).extracting(FakeImds.Request::path)
                .doesNotContain("/latest/meta-data/placement/region");
        assertThat(ec2.requests().get(0).authorization()).matches(SIGV4);
    }

    @Test
    void withoutExplicitCredentialsTheSdkDefaultChainSignsTheCalls() throws Exception {
        // the chain's first source is Java system properties, so this never reaches for the real IMDS
        System.setProperty("aws.accessKeyId", "AKIDFROMDEFAULTCHAIN");
        System.setProperty("aws.secretAccessKey", "not-a-real-secret-key");
        try {
            driver.close();
            driver = new Ec2Driver(settings().credentials(null).build(), local);

            driver.claim(vip);

            assertThat(ec2.requests().get(0).authorization())
                    .startsWith("AWS4-HMAC-SHA256 Credential=AKIDFROMDEFAULTCHAIN/");
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    /** The interface addresses, in memory; records every change asked for. */
    static final class MapAddresses implements LocalAddresses {
        final Map<String, Set<String>> addresses = new HashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public synchronized void add(String interfaceName, Inet4Address address, int prefixLength) {
            calls.add("add " + interfaceName + " " + address.getHostAddress() + "/" + prefixLength);
            addresses.computeIfAbsent(interfaceName, i -> new HashSet<>()).add(address.getHostAddress());
        }

        @Override
        public synchronized void delete(String interfaceName, Inet4Address address) {
            calls.add("delete " + interfaceName + " " + address.getHostAddress());
            addresses.computeIfAbsent(interfaceName, i -> new HashSet<>()).remove(address.getHostAddress());
        }

        @Override
        public synchronized Set<Inet4Address> list(String interfaceName) {
            Set<Inet4Address> out = new HashSet<>();
            for (String a : addresses.getOrDefault(interfaceName, Set.of())) {
                out.add(VipSpec.parse(a, interfaceName).address());
            }
            return out;
        }

        @Override
        public void close() {
        }
    }
}
