package dev.gatehouse.tls.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrSetTest {

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByAddress(bytes(literal)); // bytes() parses literals only: no lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Literal bytes through Netty's literal-only parser (an independent parser from ours). */
    private static byte[] bytes(String literal) {
        byte[] b = io.netty.util.NetUtil.createByteArrayFromIpAddressString(literal);
        if (b == null) {
            throw new AssertionError("not a literal: " + literal);
        }
        return b;
    }

    /** A v4-mapped IPv6 address that the JDK keeps as an Inet6Address (getByAddress would turn it into IPv4). */
    private static InetAddress mapped(String v4) throws UnknownHostException {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(bytes(v4), 0, b, 12, 4);
        return Inet6Address.getByAddress(null, b, -1);
    }

    @Test
    void emptyContainsNothing() {
        assertThat(CidrSet.EMPTY.size()).isZero();
        assertThat(CidrSet.EMPTY.contains(ip("0.0.0.0"))).isFalse();
        assertThat(CidrSet.EMPTY.contains(ip("::"))).isFalse();
        assertThat(CidrSet.parse(List.of())).isSameAs(CidrSet.EMPTY);
    }

    @Test
    void ipv4SlashZeroContainsEveryIpv4AddressAndNoIpv6Address() {
        CidrSet all = CidrSet.parse(List.of("0.0.0.0/0"));
        assertThat(all.contains(ip("0.0.0.0"))).isTrue();
        assertThat(all.contains(ip("255.255.255.255"))).isTrue();
        assertThat(all.contains(ip("127.0.0.1"))).isTrue();
        assertThat(all.contains(ip("2001:db8::1"))).isFalse();
        assertThat(all.entries()).containsExactly("0.0.0.0/0");
    }

    @Test
    void ipv6SlashZeroContainsEveryIpv6AddressAndNoIpv4Address() throws Exception {
        CidrSet all = CidrSet.parse(List.of("::/0"));
        assertThat(all.contains(ip("::"))).isTrue();
        assertThat(all.contains(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).isTrue();
        assertThat(all.contains(ip("10.0.0.1"))).isFalse();
        assertThat(all.contains(mapped("10.0.0.1"))).as("a mapped address is an IPv4 client").isFalse();
    }

    @ParameterizedTest(name = "{0} and bare {1}")
    @CsvSource({
        // host prefix,  bare address,              its address, below,      above,      bare's address,  past it,        entries
        "192.0.2.7/32,    198.51.100.255,           192.0.2.7,   192.0.2.6,   192.0.2.8,   198.51.100.255, 198.51.101.0,   192.0.2.7/32,    198.51.100.255/32",
        "2001:db8::7/128, 2001:DB8:0:0:0:0:0:FFFF,  2001:db8::7, 2001:db8::6, 2001:db8::8, 2001:db8::ffff, 2001:db8::1:0,  2001:db8::7/128, 2001:db8::ffff/128",
    })
    void aHostPrefixAndABareAddressMatchOnlyThatAddress(String hostPrefix, String bare, String address, String below,
            String above, String bareAddress, String pastBare, String hostEntry, String bareEntry) {
        CidrSet s = CidrSet.parse(List.of(hostPrefix, bare));
        assertThat(s.contains(ip(address))).isTrue();
        assertThat(s.contains(ip(below))).isFalse();
        assertThat(s.contains(ip(above))).isFalse();
        assertThat(s.contains(ip(bareAddress))).isTrue();
        assertThat(s.contains(ip(pastBare))).isFalse();
        assertThat(s.entries()).containsExactly(hostEntry, bareEntry);
    }

    @Test
    void ipv4MappedClientMatchesIpv4Entries() throws Exception {
        CidrSet s = CidrSet.parse(List.of("10.0.0.0/8"));
        assertThat(s.contains(mapped("10.20.30.40"))).isTrue();
        assertThat(s.contains(mapped("11.0.0.1"))).isFalse();
        assertThat(s.contains(bytes("::ffff:10.1.2.3"))).isTrue();
    }

    @Test
    void ipv4MappedEntryIsStoredAsIpv4() {
        CidrSet s = CidrSet.parse(List.of("::ffff:10.0.0.0/104", "::ffff:0:0/96", "::ffff:192.0.2.1"));
        assertThat(s.size()).isEqualTo(3);
        assertThat(s.entries()).as("their union").containsExactly("0.0.0.0/0");
        assertThat(s.contains(ip("10.9.9.9"))).isTrue();
    }

    @Test
    void hostBitsAreClearedAndDuplicatesCountOnce() {
        CidrSet s = CidrSet.parse(List.of("10.1.2.3/8", "10.0.0.0/8", " 10.0.0.0/8 ", "2001:db8::1/32",
                "2001:0db8:0000::/32"));
        assertThat(s.size()).isEqualTo(2);
        assertThat(s.entries()).containsExactly("10.0.0.0/8", "2001:db8::/32");
        assertThat(s.contains(ip("10.255.255.255"))).isTrue();
        assertThat(s.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(s.contains(ip("2001:db9::"))).isFalse();
    }

    @Test
    void overlappingAndAdjacentEntriesMergeIntoIntervals() {
        CidrSet s = CidrSet.parse(List.of("10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "11.0.0.0/8", "12.0.0.0/9",
                "172.16.0.0/12", "172.16.5.0/24", "fd00::/8", "fd12::/16", "fe00::/8"));
        assertThat(s.size()).isEqualTo(10);
        assertThat(s.intervals()).as("10/8+11/8+12/9 | 172.16/12 | fd00::/8+fe00::/8").isEqualTo(3);
        assertThat(s.contains(ip("12.127.255.255"))).isTrue();
        assertThat(s.contains(ip("12.128.0.0"))).isFalse();
        assertThat(s.contains(ip("9.255.255.255"))).isFalse();
        assertThat(s.contains(ip("172.31.255.255"))).isTrue();
        assertThat(s.contains(ip("172.32.0.0"))).isFalse();
        assertThat(s.contains(ip("feff::1"))).isTrue();
        assertThat(s.contains(ip("ff00::"))).isFalse();
        assertThat(s.contains(ip("fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))).isFalse();
    }

    @Test
    void entriesAreNormalisedRfc5952Text() {
        CidrSet s = CidrSet.parse(List.of("2001:0DB8:0:0:1:0:0:1", "0:0:0:0:0:0:0:1", "1::",
                "1:0:0:2:0:0:0:3", "::1.2.3.4/128"));
        assertThat(s.entries()).containsExactly("::1/128", "::102:304/128", "1::/128",
                "1:0:0:2::3/128", "2001:db8::1:0:0:1/128");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "10.1.0.0/16 10.0.0.0/8 11.0.0.0/8        | 10.0.0.0/7",
        "10.0.0.0/24 10.0.1.0/24 10.0.2.0/24      | 10.0.0.0/23 10.0.2.0/24",
        "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4      | 10.0.0.1/32 10.0.0.2/31 10.0.0.4/32",
        "0.0.0.0/1 128.0.0.0/1                    | 0.0.0.0/0",
        "255.255.255.255 255.255.255.254          | 255.255.255.254/31",
        ":: ::1                                   | ::/127",
        "::/1 8000::/1                            | ::/0",
        "2001:db8::/33 2001:db8:8000::/33 fe80::/10 | 2001:db8::/32 fe80::/10",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127 ffff:ffff:ffff:ffff::/65 | ffff:ffff:ffff:ffff::/65 ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
        "0:0:0:1::/64 0:0:0:2::/63                | 0:0:0:1::/64 0:0:0:2::/63",
        "0:0:0:1::/128 ::ffff:ffff:ffff:ffff      | ::ffff:ffff:ffff:ffff/128 0:0:0:1::/128",
        "0:0:0:1::/64 0:0:0:0:8000::/65           | ::8000:0:0:0/65 0:0:0:1::/64",
    })
    void entriesAreTheFewestBlocksCoveringTheUnion(String given, String expected) {
        CidrSet s = CidrSet.parse(List.of(given.split(" ")));
        assertThat(s.entries()).containsExactly(expected.split(" "));
        assertThat(s.size()).isEqualTo(given.split(" ").length);
    }

    @Test
    void entriesListIsUnmodifiable() {
        List<String> entries = CidrSet.parse(List.of("10.0.0.0/8")).entries();
        assertThatThrownBy(() -> entries.add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rawByteFormsAnswerAsTheInetAddressForm() {
        CidrSet s = CidrSet.parse(List.of("10.0.0.0/8", "2001:db8::/32"));
        assertThat(s.contains(new byte[] {10, 1, 2, 3})).isTrue();
        assertThat(s.containsIpv4(0x0a000001)).isTrue();
        assertThat(s.containsIpv6(0x20010db800000000L, 1)).isTrue();
        assertThat(s.containsIpv6(0x20010db900000000L, 1)).isFalse();
        assertThatThrownBy(() -> s.contains(new byte[5])).hasMessage("address: 5 bytes (expected: 4 or 16)");
    }

    @Test
    void readsIpv4AddressesWithoutCopyingTheirBytes() {
        assertThat(AddressBits.IPV4_HASH_IS_ADDRESS).as("OpenJDK: Inet4Address.hashCode() is the address").isTrue();
        assertThat(AddressBits.ipv4((java.net.Inet4Address) ip("203.0.113.200"))).isEqualTo(0xcb0071c8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "10.0.0.0/33          | [1]: '10.0.0.0/33' prefix length above 32",
        "::/129               | [1]: '::/129' prefix length above 128",
        "10.0.0.0/99999999999 | [1]: '10.0.0.0/99999999999' prefix length above 32",
        "10.0.0.0/            | [1]: '10.0.0.0/' missing prefix length after '/'",
        "10.0.0.0/-1          | [1]: '10.0.0.0/-1' prefix length '-1' is not a decimal number",
        "10.0.0.0/8/9         | [1]: '10.0.0.0/8/9' more than one '/'",
        "/8                   | [1]: '/8' missing address before '/'",
        "example.com          | [1]: 'example.com' not an IP address literal (host names are never resolved)",
        "localhost/32         | [1]: 'localhost/32' not an IP address literal (host names are never resolved)",
        "10.0.0               | [1]: '10.0.0' only 3 IPv4 octets (expected 4 dot-separated decimal octets)",
        "10.0.0.0.0           | [1]: '10.0.0.0.0' more than 4 IPv4 octets",
        "10..0.1              | [1]: '10..0.1' empty IPv4 octet (expected 4 dot-separated decimal octets)",
        "10.0.0.256           | [1]: '10.0.0.256' IPv4 octet '256' above 255",
        "10.0.0.1000          | [1]: '10.0.0.1000' IPv4 octet '1000' above 255",
        "010.0.0.1            | [1]: '010.0.0.1' IPv4 octet '010' has a leading zero (ambiguous: octal to some parsers)",
        "1::2::3              | [1]: '1::2::3' '::' used more than once",
        ":::                  | [1]: ':::' '::' used more than once",
        "1:2:3:4:5:6:7        | [1]: '1:2:3:4:5:6:7' only 7 IPv6 groups (expected 8, or '::' for a run of zeros)",
        "1:2:3:4:5:6:7:8:9    | [1]: '1:2:3:4:5:6:7:8:9' more than 8 IPv6 groups",
        "1:2:3:4::5:6:7:8     | [1]: '1:2:3:4::5:6:7:8' too many IPv6 groups around '::' (at most 7)",
        "12345::              | [1]: '12345::' IPv6 group '12345' longer than 4 hex digits",
        "g::                  | [1]: 'g::' IPv6 group 'g' is not hexadecimal",
        ":1::                 | [1]: ':1::' empty IPv6 group (a stray ':')",
        "1::2:                | [1]: '1::2:' empty IPv6 group (a stray ':')",
        "fe80::1%eth0         | [1]: 'fe80::1%eth0' zone index ('%...') not accepted in a network",
        "[::1]                | [1]: '[::1]' brackets not accepted (write the bare address)",
        "1.2.3.4::            | [1]: '1.2.3.4::' embedded IPv4 part allowed only as the last 32 bits",
        "::1.2.3.256          | [1]: '::1.2.3.256' IPv4 octet '256' above 255",
        "1:2:3:4:5:6:7:1.2.3.4 | [1]: '1:2:3:4:5:6:7:1.2.3.4' more than 8 IPv6 groups",
    })
    void refusesMalformedEntryNamingItsIndexAndWhy(String entry, String message) {
        assertThatThrownBy(() -> CidrSet.parse(List.of("192.0.2.0/24", entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .isInstanceOf(InvalidCidrException.class)
                .hasMessage(message);
    }

    @Test
    void fieldNameLeadsTheMessageAndTheExceptionCarriesTheParts() {
        List<String> list = new ArrayList<>(List.of("10.0.0.0/8", "10.0.0.0/33"));
        assertThatThrownBy(() -> CidrSet.parse("ipAllow", list))
                .hasMessage("ipAllow[1]: '10.0.0.0/33' prefix length above 32")
                .satisfies(e -> {
                    InvalidCidrException.Refusal refusal = ((InvalidCidrException) e).refusal();
                    assertThat(refusal.field()).isEqualTo("ipAllow");
                    assertThat(refusal.index()).isEqualTo(1);
                    assertThat(refusal.entry()).isEqualTo("10.0.0.0/33");
                    assertThat(refusal.reason()).isEqualTo("prefix length above 32");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void refusesBlankEntry(String blank) {
        assertThatThrownBy(() -> CidrSet.parse("ipDeny", List.of(blank)))
                .hasMessage("ipDeny[0]: '" + blank + "' empty entry");
    }

    @Test
    void refusesNullEntryAndNullList() {
        assertThatThrownBy(() -> CidrSet.parse("ipDeny", Arrays.asList("10.0.0.0/8", null)))
                .hasMessage("ipDeny[1]: null entry");
        assertThatThrownBy(() -> CidrSet.parse("ipDeny", null))
                .hasMessage("ipDeny: null (expected: a list of CIDR networks)");
    }

    @Test
    void parsesEveryTextFormOfRandomAddressesAsNettyDoes() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 5_000; i++) {
            byte[] a = new byte[random.nextBoolean() ? 4 : 16];
            random.nextBytes(a);
            if (a.length == 16 && random.nextInt(4) == 0) {
                Arrays.fill(a, 2 + random.nextInt(6), 12 + random.nextInt(4), (byte) 0); // runs of zeros
            }
            InetAddress address = InetAddress.getByAddress(a);
            for (String text : List.of(address.getHostAddress(), io.netty.util.NetUtil.toAddressString(address))) {
                CidrSet s = CidrSet.parse(List.of(text));
                assertThat(s.contains(address)).as(text).isTrue();
                assertThat(bytes(s.entries().get(0).replaceAll("/\\d+$", ""))).as(text)
                        .isEqualTo(address.getAddress());
            }
        }
    }

    @Test
    void tenThousandRandomEntriesAnswerAsALinearScan() {
        Random random = new Random(20261201);
        List<String> texts = new ArrayList<>();
        List<byte[]> nets = new ArrayList<>();
        List<Integer> bits = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            boolean v4 = random.nextInt(3) != 0;
            byte[] a = randomAddress(random, v4);
            int max = v4 ? 32 : 128;
            int b = random.nextInt(10) == 0 ? max / 4 + random.nextInt(max * 3 / 4 + 1) : max - random.nextInt(max / 4);
            texts.add(CidrSetReference.text(a) + "/" + b);
            nets.add(a);
            bits.add(b);
        }
        long t0 = System.nanoTime();
        CidrSet set = CidrSet.parse("ipAllow", texts);
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        CidrSetReference reference = new CidrSetReference(nets, bits);
        CidrSet again = CidrSet.parse(set.entries());
        assertThat(again.entries()).as("entries() is a fixed point").isEqualTo(set.entries());
        assertThat(again.intervals()).isEqualTo(set.intervals());
        int hits = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] q;
            if (random.nextBoolean()) {
                q = randomAddress(random, random.nextInt(3) != 0);
            } else { // near an entry: inside, at its edges or just outside
                int e = random.nextInt(nets.size());
                q = nets.get(e).clone();
                int flip = random.nextInt(q.length * 8);
                q[flip / 8] ^= (byte) (0x80 >>> (flip % 8));
            }
            boolean expected = reference.contains(q);
            assertThat(set.contains(q)).as("%s in %d entries", CidrSetReference.text(q), texts.size())
                    .isEqualTo(expected);
            assertThat(again.contains(q)).as("entries() covers the same addresses").isEqualTo(expected);
            hits += expected ? 1 : 0;
        }
        assertThat(hits).as("the queries exercise both answers").isBetween(1_000, 49_000);
        System.out.printf("event=cidr_random entries=%d distinct=%d intervals=%d build_ms=%d hits=%d%n",
                texts.size(), set.size(), set.intervals(), buildMs, hits);
    }

    @Test
    void manyThreadsReadingOneSetGetTheSameAnswers() throws Exception {
        Random random = new Random(3);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            texts.add(CidrSetReference.text(randomAddress(random, i % 2 == 0)) + "/" + (i % 2 == 0 ? 24 : 64));
        }
        CidrSet set = CidrSet.parse(texts);
        byte[][] queries = new byte[20_000][];
        boolean[] expected = new boolean[queries.length];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = randomAddress(random, random.nextBoolean());
            expected[i] = set.contains(queries[i]);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(pool.submit(() -> {
                    int mismatches = 0;
                    for (int i = 0; i < queries.length; i++) {
                        int q = (i * 7 + offset * 5003) % queries.length;
                        InetAddress address = InetAddress.getByAddress(queries[q]);
                        mismatches += set.contains(address) == expected[q] ? 0 : 1;
                    }
                    return mismatches;
                }));
            }
            for (java.util.concurrent.Future<Integer> r : results) {
                assertThat(r.get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Addresses clustered in a few /8s and /32s so that entries overlap and nest. */
    private static byte[] randomAddress(Random random, boolean v4) {
        byte[] a = new byte[v4 ? 4 : 16];
        random.nextBytes(a);
        if (random.nextBoolean()) {
            a[0] = (byte) (10 + random.nextInt(3));
            if (!v4) {
                a[1] = 0;
                a[2] = (byte) random.nextInt(2);
            }
        }
        if (!v4 && a[0] == 0) {
            a[0] = 1; // keep random IPv6 entries out of ::/8 (the mapped range is tested on its own)
        }
        return a;
    }
}
