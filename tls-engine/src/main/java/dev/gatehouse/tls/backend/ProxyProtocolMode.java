package dev.gatehouse.tls.backend;

import java.util.Locale;

/**
 * Whether a pool's backend connections start with a PROXY protocol header
 * (<a href="https://www.haproxy.org/download/2.6/doc/proxy-protocol.txt">the HAProxy specification</a>),
 * and which version. With a header a backend connection names one client, so it is never shared
 * between client connections (see {@link ClientBackends}).
 */
public enum ProxyProtocolMode {
    /** No header: connections are pooled per event loop and shared by every client. */
    OFF,
    /** The text header, {@code PROXY TCP4 src dst sport dport\r\n}. */
    V1,
    /** The binary header, with the SNI name and the TLS version as TLVs. */
    V2;

    /** What the configuration and the API write: {@code off}, {@code v1} or {@code v2}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode written as {@code value}, or null when {@code value} is none of {@code off}, {@code v1}, {@code v2}. */
    public static ProxyProtocolMode parse(String value) {
        if (value == null) {
            return null;
        }
        for (ProxyProtocolMode m : values()) {
            if (m.value().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        return null;
    }

    /** The expected values, as an error message says them. */
    public static final String EXPECTED = "off, v1 or v2";
}
