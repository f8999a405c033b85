package dev.gatehouse.tls.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.NetUtil;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Our literal reader against two others on random near-addresses, same verdict and same bits: the JDK's for
 * IPv6 text (text with a ':' that starts with a hex digit or ':' is parsed as a literal and never looked up:
 * {@code InetAddress.getAllByName}) and Netty's for IPv4 (it refuses the IPv6 form with an embedded IPv4 part
 * after anything but {@code ::} or {@code ::ffff:}, which RFC 4291 section 2.2 allows).
 */
class AddressLiteralTest {

    private static final String ALPHABET = "0123456789abcdefABCDEF::::....";
    private static final String FIRST = "0123456789abcdefABCDEF:";

    @Test
    void agreesWithTheJdkAndNettyOnRandomText() {
        Random random = new Random(1411);
        int acceptedByBoth = 0;
        for (int i = 0; i < 300_000; i++) {
            String text = i % 2 == 0 ? randomText(random) : mutatedAddress(random);
            byte[] netty = oracle(text);
            byte[] ours = ours(text);
            if (ours != null) {
                assertThat(netty).as("we accept '%s', the reference must too", text).isNotNull();
                assertThat(ours).as("bits of '%s'", text).isEqualTo(netty);
                acceptedByBoth++;
            } else if (netty != null) {
                // we are stricter in two ways only: no leading zero in an IPv4 octet (octal to some parsers), and
                // at most 4 hex digits in an IPv6 group (RFC 4291 2.2; the JDK takes 0abcd as abcd)
                assertThat(text).as("the reference accepts '%s': a leading-zero octet or a long group", text)
                        .matches(".*(^|[.:])0\\d.*|.*(^|:)[0-9a-fA-F]{5,}(:|$).*");
            }
        }
        assertThat(acceptedByBoth).as("the generator reaches valid addresses").isGreaterThan(10_000);
    }

    private static byte[] oracle(String text) {
        if (text.indexOf(':') < 0) {
            return NetUtil.createByteArrayFromIpAddressString(text);
        }
        if (text.isEmpty() || !(text.charAt(0) == ':' || Character.digit(text.charAt(0), 16) >= 0)) {
            throw new AssertionError("would not be read as a literal: " + text);
        }
        try {
            return java.net.InetAddress.getByName(text).getAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** Bytes as CidrSet reads a bare address, or null when refused. */
    private static byte[] ours(String text) {
        CidrSet set;
        try {
            set = CidrSet.parse(List.of(text));
        } catch (InvalidCidrException e) {
            return null;
        }
        String entry = set.entries().get(0);
        return NetUtil.createByteArrayFromIpAddressString(entry.substring(0, entry.indexOf('/')));
    }

    private static String randomText(Random random) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(20);
        sb.append(FIRST.charAt(random.nextInt(FIRST.length())));
        for (int i = 1; i < n; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** A valid address in some text form, then maybe one character inserted, deleted or replaced. */
    private static String mutatedAddress(Random random) {
        String text;
        if (random.nextBoolean()) {
            text = (random.nextInt(300)) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
                    + random.nextInt(256);
        } else {
            StringBuilder sb = new StringBuilder();
            int groups = 8;
            boolean v4Tail = random.nextInt(4) == 0;
            if (v4Tail) {
                groups = 6;
            }
            int gapAt = random.nextInt(3) == 0 ? -1 : random.nextInt(groups);
            int gapLen = gapAt < 0 ? 0 : 1 + random.nextInt(groups - gapAt);
            for (int g = 0; g < groups; g++) {
                if (g == gapAt) {
                    sb.append(g == 0 ? "::" : ":");
                    g += gapLen - 1;
                    continue;
                }
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                    sb.append(':');
                }
                sb.append(Integer.toHexString(random.nextInt(random.nextBoolean() ? 16 : 65536)));
            }
            if (v4Tail) {
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                    sb.append(':');
                }
                sb.append(random.nextInt(256)).append('.').append(random.nextInt(256)).append(".0.")
                        .append(random.nextInt(256));
            } else if (gapAt >= 0 && gapAt + gapLen == groups && !sb.toString().endsWith("::")) {
                sb.append(':');
            }
            text = sb.toString();
        }
        if (random.nextInt(3) == 0 && text.length() > 1) {
            int at = 1 + random.nextInt(text.length() - 1); // keep the first character (see oracle)
            char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            switch (random.nextInt(3)) {
                case 0 -> text = text.substring(0, at) + c + text.substring(at);
                case 1 -> text = text.substring(0, at) + text.substring(at + 1);
                default -> text = text.substring(0, at) + c + text.substring(at + 1);
            }
        }
        return text;
    }
}
