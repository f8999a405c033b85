package dev.gatehouse.cluster.vip.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.cluster.vip.driver.BrokenEndpoint.Behaviour;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Every way an EC2 call can fail below the API (an endpoint that stalls, never accepts, hangs up or
 * speaks something else, an interrupt, a credentials provider that throws) comes out of
 * {@link Ec2Api} as a {@link VipDriverException} naming the VIP and the action, within the call
 * timeout plus a margin; never as an unchecked exception the driver does not expect. Real sockets on
 * 127.0.0.1 ({@link BrokenEndpoint}), the real SDK and HTTP client.
 */
class Ec2CallFailureTest {

    private static final String VIP = "10.0.1.100";
    private static final String ENI = "eni-0aaaaaaaaaaaaaaa1";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    /** Generous, so that a loaded machine cannot make the test flaky: what matters is "not hung". */
    private static final Duration MARGIN = Duration.ofSeconds(5);
    private static final AwsCredentialsProvider TEST_CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDGATEHOUSETEST", "not-a-real-secret-key"));

    private BrokenEndpoint endpoint;
    private Ec2Api api;

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        Thread.interrupted(); // never leak a flag set by a test into the next one
    }

    private Ec2Api apiAgainst(Behaviour behaviour, Duration callTimeout, AwsCredentialsProvider credentials)
            throws Exception {
        endpoint = new BrokenEndpoint(behaviour);
        api = Ec2Api.create(Ec2Settings.builder()
                .ec2Endpoint(endpoint.endpoint())
                .credentials(credentials)
                .callTimeout(callTimeout)
                .build(), "eu-west-1");
        return api;
    }

    /*
     * Before each call ran on its own thread with a deadline, the SDK 2.40.2 over HttpURLConnection
     * (JDK 17): HEADERS_THEN_STALL and HALF_A_BODY_THEN_STALL took the call timeout plus ~5 s (the
     * SDK's abort waits for the JDK's keep-alive cleaner draining the body), and NOT_HTTP let a
     * java.io.UncheckedIOException ("Invalid Http response") out of Ec2Api unwrapped.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // behaviour,            what the message says after the action
        "ACCEPT_AND_NEVER_ANSWER, 'failed: timeout'",
        "HEADERS_THEN_STALL,      'failed: timeout'",
        "HALF_A_BODY_THEN_STALL,  'failed: timeout'",
        "NEVER_ACCEPT,            'failed: timeout'",
        "CLOSE_WITHOUT_ANSWER,    'failed: '",
        "HEADERS_THEN_CLOSE,      'failed: '",
        "NOT_HTTP,                'failed: '",
    })
    void aBrokenEndpointFailsTheCallWithAVipDriverExceptionWithinItsTimeout(Behaviour behaviour, String says)
            throws Exception {
        Ec2Api ec2 = apiAgainst(behaviour, CALL_TIMEOUT, TEST_CREDENTIALS);

        long start = System.nanoTime();
        assertThatThrownBy(() -> ec2.assign(VIP, ENI, VIP))
                .isInstanceOfSatisfying(VipDriverException.class, e -> assertThat(e.vip()).isEqualTo(VIP))
                .hasMessageStartingWith(VIP + ": AssignPrivateIpAddresses " + says)
                .hasCauseInstanceOf(Exception.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CALL_TIMEOUT.plus(MARGIN));
        assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag after a timeout").isFalse();
    }

    @Test
    void aDescribeAgainstAnEndpointThatNeverAcceptsSaysTimeoutToo() throws Exception {
        Ec2Api ec2 = apiAgainst(Behaviour.NEVER_ACCEPT, CALL_TIMEOUT, TEST_CREDENTIALS);

        long start = System.nanoTime();
        assertThatThrownBy(() -> ec2.privateAddresses("*", List.of(ENI)))
                .isInstanceOf(VipDriverException.class)
                .hasMessageStartingWith("*: DescribeNetworkInterfaces failed: timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CALL_TIMEOUT.plus(MARGIN));
    }

    @Test
    void anInterruptDuringTheCallFailsItAndKeepsTheInterruptFlag() throws Exception {
        Ec2Api ec2 = apiAgainst(Behaviour.ACCEPT_AND_NEVER_ANSWER, Duration.ofSeconds(30), TEST_CREDENTIALS);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try {
                ec2.assign(VIP, ENI, VIP);
            } catch (Throwable t) {
                thrown.set(t);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        }, "ec2-caller");
        caller.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.requestsRead() > 0);

        long start = System.nanoTime();
        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(15));

        assertThat(caller.isAlive()).as("the call returned after the interrupt").isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(MARGIN);
        assertThat(thrown.get())
                .isInstanceOf(VipDriverException.class)
                .hasMessageStartingWith(VIP + ": AssignPrivateIpAddresses failed: interrupted");
        assertThat(flagAfter).as("interrupt flag after the call").isTrue();
    }

    @Test
    void aCallStartedWithTheInterruptFlagSetFailsAndKeepsIt() throws Exception {
        Ec2Api ec2 = apiAgainst(Behaviour.ACCEPT_AND_NEVER_ANSWER, CALL_TIMEOUT, TEST_CREDENTIALS);

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> ec2.assign(VIP, ENI, VIP))
                    .isInstanceOf(VipDriverException.class)
                    .hasMessageStartingWith(VIP + ": AssignPrivateIpAddresses failed: interrupted");
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag after the call").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void anUncheckedExceptionFromBelowTheSdkBecomesAVipDriverException() throws Exception {
        AwsCredentialsProvider broken = () -> {
            throw new IllegalStateException("vault sealed");
        };
        Ec2Api ec2 = apiAgainst(Behaviour.CLOSE_WITHOUT_ANSWER, CALL_TIMEOUT, broken);

        assertThatThrownBy(() -> ec2.assign(VIP, ENI, VIP))
                .isInstanceOf(VipDriverException.class)
                .hasMessageStartingWith(VIP + ": AssignPrivateIpAddresses failed: ")
                .hasMessageContaining("vault sealed");
    }

    @Test
    void theDriverSeesAVipDriverExceptionWhenTheEndpointNeverAccepts() throws Exception {
        // the same defect as the driver meets it: claim must fail as a checked, named exception
        endpoint = new BrokenEndpoint(Behaviour.NEVER_ACCEPT);
        FakeImds imds = new FakeImds().nic("0a:1b:2c:3d:4e:5f", ENI);
        imds.beforeEach(null);
        try (Ec2Driver driver = new Ec2Driver(Ec2Settings.builder()
                .imdsEndpoint(imds.endpoint())
                .ec2Endpoint(endpoint.endpoint())
                .macLookup(name -> "0a:1b:2c:3d:4e:5f")
                .credentials(TEST_CREDENTIALS)
                .region("eu-west-1")
                .callTimeout(CALL_TIMEOUT)
                .build(), new Ec2DriverTest.MapAddresses())) {
            VipSpec vip = VipSpec.parse(VIP + "/24", "eth0");
            for (int i = 0; i < 2; i++) { // the second claim has instance metadata and the client already
                long start = System.nanoTime();
                assertThatThrownBy(() -> driver.claim(vip))
                        .isInstanceOf(VipDriverException.class)
                        .hasMessageStartingWith(VIP + ": AssignPrivateIpAddresses failed: timeout");
                if (i == 1) {
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CALL_TIMEOUT.plus(MARGIN));
                }
            }
        } finally {
            imds.afterEach(null);
        }
    }
}
