package dev.gatehouse.tls.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    /** Any origin works: System.nanoTime() may be negative. */
    private static final long T0 = -5 * SECOND;

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByAddress(io.netty.util.NetUtil.createByteArrayFromIpAddressString(literal));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress v4(int a) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code n} acquisitions by {@code client} at {@code now}, each granted without a wait. */
    private static void assertGrantsAtOnce(ClientRateLimiter limiter, InetAddress client, long now, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(limiter.acquire(client, now)).isZero();
        }
    }

    @Test
    void grantsTheBurstThenRefusesWithTheWaitForTheNextToken() {
        ClientRateLimiter limiter = new ClientRateLimiter(10, 3, 100);
        InetAddress client = ip("192.0.2.1");
        assertThat(limiter.acquire(client, T0)).isZero();
        assertThat(limiter.acquire(client, T0)).isZero();
        assertThat(limiter.acquire(client, T0)).isZero();
        assertThat(limiter.acquire(client, T0)).isEqualTo(100_000_000L);
        assertThat(limiter.acquire(client, T0 + 40_000_000L)).as("refusals do not cost tokens").isEqualTo(60_000_000L);
    }

    @Test
    void refillsExactlyOneTokenPerInterval() {
        ClientRateLimiter limiter = new ClientRateLimiter(4, 1, 100); // one token every 250 ms
        InetAddress client = ip("192.0.2.1");
        assertThat(limiter.acquire(client, T0)).isZero();
        assertThat(limiter.acquire(client, T0 + 250_000_000L - 1)).isEqualTo(1);
        assertThat(limiter.acquire(client, T0 + 250_000_000L)).isZero();
        assertThat(limiter.acquire(client, T0 + 250_000_000L)).isEqualTo(250_000_000L);
        // idle for a long time: the bucket holds at most the burst (1), not the time's worth
        assertThat(limiter.acquire(client, T0 + 100 * SECOND)).isZero();
        assertThat(limiter.acquire(client, T0 + 100 * SECOND)).isEqualTo(250_000_000L);
    }

    @Test
    void partlyRefilledBucketGrantsWhatItSaved() {
        ClientRateLimiter limiter = new ClientRateLimiter(10, 5, 100);
        InetAddress client = ip("2001:db8::1");
        assertGrantsAtOnce(limiter, client, T0, 5);
        long later = T0 + 350_000_000L; // 3.5 tokens back: 3 grants, then half an interval to wait
        assertGrantsAtOnce(limiter, client, later, 3);
        assertThat(limiter.acquire(client, later)).isEqualTo(50_000_000L);
    }

    @Test
    void retryAfterSecondsRoundUp() {
        ClientRateLimiter limiter = new ClientRateLimiter(0.5, 1, 10); // a token every 2 s
        InetAddress client = ip("198.51.100.9");
        assertThat(limiter.acquire(client, T0)).isZero();
        long wait = limiter.acquire(client, T0 + 500_000_000L);
        assertThat(wait).isEqualTo(1_500_000_000L);
        assertThat(retryAfterSeconds(wait)).isEqualTo(2);
        assertThat(retryAfterSeconds(limiter.acquire(client, T0 + SECOND))).isEqualTo(1);
    }

    /** What the data plane does with the result (Retry-After is whole seconds). */
    private static long retryAfterSeconds(long waitNanos) {
        return (waitNanos + SECOND - 1) / SECOND;
    }

    @Test
    void rateIsRoundedDownNeverUp() {
        ClientRateLimiter limiter = new ClientRateLimiter(3, 1, 10);
        assertThat(limiter.intervalNanos()).isEqualTo(333_333_334L);
    }

    @Test
    void clientsHaveTheirOwnBucketsWhileTheTableIsHalfFull() {
        // all 500 in debt at once, in 125 sets of 8: two choices keep every set below 8 (fixed key: reproducible)
        ClientRateLimiter limiter = new ClientRateLimiter(1, 1, 1000, 64, 42, 4242);
        for (int i = 0; i < 500; i++) {
            assertThat(limiter.acquire(v4(0x0a000000 + i), T0)).as("client %d", i).isZero();
        }
        for (int i = 0; i < 500; i++) {
            assertThat(limiter.acquire(v4(0x0a000000 + i), T0)).as("client %d again", i).isPositive();
        }
    }

    @Test
    void ipv4MappedAddressSharesTheIpv4Bucket() throws Exception {
        ClientRateLimiter limiter = new ClientRateLimiter(1, 1, 100);
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[15] = 1;
        assertThat(limiter.acquire(ip("192.0.0.1"), T0)).isZero();
        assertThat(limiter.acquire(Inet6Address.getByAddress(null, mapped, -1), T0)).isPositive();
    }

    @Test
    void rawAddressBytesUseTheSameBucketAsTheInetAddress() {
        ClientRateLimiter limiter = new ClientRateLimiter(1, 2, 100);
        assertThat(limiter.acquire(ip("192.0.2.1"), T0)).isZero();
        assertThat(limiter.acquire(new byte[] {(byte) 192, 0, 2, 1}, T0)).isZero();
        assertThat(limiter.acquire(ip("192.0.2.1"), T0)).isPositive();
        assertThat(limiter.acquire(ip("2001:db8::1"), T0)).isZero();
        assertThat(limiter.acquire(ip("2001:db8::2").getAddress(), T0)).as("same /64").isZero();
        assertThat(limiter.acquire(ip("2001:db8::3"), T0)).isPositive();
        assertThatThrownBy(() -> limiter.acquire(new byte[5], T0)).hasMessage("client: 5 bytes (expected: 4 or 16)");
    }

    @Test
    void ipv6ClientsShareABucketPerSlash64ByDefault() {
        ClientRateLimiter limiter = new ClientRateLimiter(1, 1, 100);
        assertThat(limiter.acquire(ip("2001:db8:1:2::1"), T0)).isZero();
        assertThat(limiter.acquire(ip("2001:db8:1:2:ffff::99"), T0)).as("same /64").isPositive();
        assertThat(limiter.acquire(ip("2001:db8:1:3::1"), T0)).as("next /64").isZero();

        ClientRateLimiter perAddress = new ClientRateLimiter(1, 1, 100, 128);
        assertThat(perAddress.acquire(ip("2001:db8:1:2::1"), T0)).isZero();
        assertThat(perAddress.acquire(ip("2001:db8:1:2::2"), T0)).isZero();
        assertThat(perAddress.acquire(ip("2001:db8:1:2::1"), T0)).isPositive();
    }

    @Test
    void neverHoldsMoreThanMaxClientsBuckets() {
        ClientRateLimiter limiter = new ClientRateLimiter(10, 2, 1_000);
        assertThat(limiter.capacity()).isEqualTo(1_000);
        long now = T0;
        for (int i = 0; i < 200_000; i++) {
            limiter.acquire(v4(0x0b000000 + i), now);
            now += 10_000; // 100k new addresses a second
        }
        assertThat(limiter.trackedClients()).isEqualTo(1_000);
        assertThat(limiter.retainedBytes()).isLessThan(1_000 * 16 + 4_096);
    }

    @Test
    void capacityNeverExceedsMaxClientsForOddSizes() {
        for (int max : new int[] {1, 2, 7, 8, 9, 63, 65, 1001}) {
            ClientRateLimiter limiter = new ClientRateLimiter(1, 1, max);
            for (int i = 0; i < 5 * max + 50; i++) {
                limiter.acquire(v4(i), T0);
            }
            assertThat(limiter.capacity()).as("maxClients %d", max).isBetween(Math.max(1, max - 7), max);
            assertThat(limiter.trackedClients()).as("maxClients %d", max).isEqualTo(limiter.capacity());
        }
    }

    @Test
    void allocatesPagesOnlyAsClientsArrive() {
        ClientRateLimiter limiter = new ClientRateLimiter(10, 2, 1_000_000);
        long empty = limiter.retainedBytes();
        assertThat(empty).as("directory only").isLessThan(70_000);
        limiter.acquire(ip("192.0.2.1"), T0);
        assertThat(limiter.retainedBytes() - empty).as("one page: both candidate sets are in it")
                .isEqualTo(16 + 8 * 128);
    }

    @Test
    void sprayingNewAddressesDoesNotResetAHeavyClientsBucket() {
        // one set of 8 slots: every address competes for the same slots
        ClientRateLimiter limiter = new ClientRateLimiter(1, 10, 8);
        InetAddress heavy = ip("203.0.113.5");
        assertGrantsAtOnce(limiter, heavy, T0, 10);
        long waitBefore = limiter.acquire(heavy, T0);
        assertThat(waitBefore).isEqualTo(SECOND);
        int grantedToSprayers = 0;
        for (int i = 0; i < 100_000; i++) {
            if (limiter.acquire(v4(0x0c000000 + i), T0 + i) == 0) {
                grantedToSprayers++;
            }
        }
        assertThat(grantedToSprayers).as("only the 7 free slots").isEqualTo(7);
        assertThat(limiter.acquire(heavy, T0 + 100_000)).as("still in debt, same bucket")
                .isEqualTo(SECOND - 100_000);
    }

    @Test
    void newcomerWaitsWhenEverySlotOfItsSetIsInDebtThenTakesTheFirstToRefill() {
        ClientRateLimiter limiter = new ClientRateLimiter(1, 1, 8);
        for (int i = 0; i < 8; i++) {
            assertThat(limiter.acquire(v4(0x0d000000 + i), T0 + i * 1_000L)).isZero();
        }
        InetAddress newcomer = v4(0x0e000001);
        assertThat(limiter.acquire(newcomer, T0 + 10_000)).as("slot 0 is full again at T0 + 1 s")
                .isEqualTo(SECOND - 10_000);
        assertThat(limiter.acquire(newcomer, T0 + SECOND)).isZero();
        assertThat(limiter.acquire(v4(0x0d000000), T0 + SECOND)).as("the evicted client was full: no loss")
                .isPositive(); // set full again (all in debt): it waits like any newcomer
        assertThat(limiter.acquire(v4(0x0d000001), T0 + SECOND + 1_000)).as("slot 1 refilled, rejoins").isZero();
    }

    @Test
    void manyThreadsNeverExceedBurstPlusRateTimesElapsedForOneAddress() throws Exception {
        int threads = 4;
        int callsPerThread = 50_000;
        int burst = 20;
        long interval = 1_000_000L; // 1000/s
        ClientRateLimiter limiter = new ClientRateLimiter(1_000, burst, 64);
        List<InetAddress> clients = List.of(ip("192.0.2.1"), ip("192.0.2.2"), ip("2001:db8::1"));
        AtomicLong clock = new AtomicLong(T0);
        AtomicLongArray granted = new AtomicLongArray(clients.size());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < callsPerThread; i++) {
                    long now = clock.addAndGet(r.nextInt(2_000)); // time moves 1 µs per call on average
                    int c = r.nextInt(clients.size());
                    if (limiter.acquire(clients.get(c), now) == 0) {
                        granted.incrementAndGet(c);
                    }
                }
            }, "acquire-" + t);
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join(60_000);
            assertThat(w.isAlive()).as("worker finished").isFalse();
        }
        long elapsed = clock.get() - T0;
        long bound = burst + elapsed / interval;
        for (int c = 0; c < clients.size(); c++) {
            assertThat(granted.get(c)).as("client %s, elapsed %d ns", clients.get(c), elapsed)
                    .isLessThanOrEqualTo(bound)
                    .isGreaterThan(bound / 2); // the limiter does grant: each client asks far more than its rate
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "0     | 1       | 10       | perSecond: 0.0 (expected: a number from 0.001 to 1000000000)",
        "NaN   | 1       | 10       | perSecond: NaN (expected: a number from 0.001 to 1000000000)",
        "1e10  | 1       | 10       | perSecond: 1.0E10 (expected: a number from 0.001 to 1000000000)",
        "10    | 0       | 10       | burst: 0 (expected: 1 to 1000000)",
        "10    | 1000001 | 10       | burst: 1000001 (expected: 1 to 1000000)",
        "10    | 1       | 0        | maxClients: 0 (expected: 1 to 16777216)",
        "10    | 1       | 16777217 | maxClients: 16777217 (expected: 1 to 16777216)",
    })
    void refusesBadArgumentsNamingThem(double perSecond, int burst, int maxClients, String message) {
        assertThatThrownBy(() -> new ClientRateLimiter(perSecond, burst, maxClients))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void refusesBadIpv6PrefixLengthAndNullClient() {
        assertThatThrownBy(() -> new ClientRateLimiter(1, 1, 1, 0))
                .hasMessage("ipv6PrefixLength: 0 (expected: 1 to 128)");
        assertThatThrownBy(() -> new ClientRateLimiter(1, 1, 1).acquire((InetAddress) null, 0))
                .isInstanceOf(NullPointerException.class).hasMessage("client");
    }

    @Test
    void sipHashMatchesTheReferenceVectors() {
        // SipHash paper, appendix A / vectors.h: key 00..0f, messages 00..07 and 00..0f
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        assertThat(SipHash.hash(k0, k1, 0x0706050403020100L)).isEqualTo(0x93f5f5799a932462L);
        assertThat(SipHash.hash(k0, k1, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L)).isEqualTo(0x3f2acc7f57c29bdbL);
    }
}
