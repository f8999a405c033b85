package dev.gatehouse.tls.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A JDK TLS client for tests: connects to 127.0.0.1 with any SNI, verifies the chain against the
 * test CA (and the host name), and can send one HTTP/1.1 request.
 */
public final class TlsProbe {

    private final javax.net.ssl.TrustManager[] trust;

    public TlsProbe(byte[] caPem) {
        try {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(caPem));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            this.trust = tmf.getTrustManagers();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens a verified TLS connection to 127.0.0.1:port presenting {@code sni}. */
    public SSLSocket connect(int port, String sni) throws IOException {
        return connect(port, sni, "http/1.1");
    }

    /** Like {@link #connect(int, String)}, offering {@code alpn} (e.g. {@code h2}). */
    public SSLSocket connect(int port, String sni, String... alpn) throws IOException {
        // A fresh context per connection: the JDK caches client sessions by address and port and
        // would offer the previous connection's SNI with a cached session (all our names share 127.0.0.1).
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(null, trust, null);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(alpn);
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** The leaf certificate served for {@code sni}. */
    public X509Certificate leaf(int port, String sni) throws IOException {
        try (SSLSocket s = connect(port, sni)) {
            Certificate[] chain = s.getSession().getPeerCertificates();
            return (X509Certificate) chain[0];
        }
    }

    /** Sends {@code GET path} with {@code Connection: close} and returns the whole response. */
    public String get(int port, String sni, String path) throws IOException {
        try (SSLSocket s = connect(port, sni)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + sni + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    /** Sends raw request bytes and reads until the server closes (use Connection: close). */
    public String exchange(int port, String sni, String rawRequest) throws IOException {
        try (SSLSocket s = connect(port, sni)) {
            OutputStream out = s.getOutputStream();
            out.write(rawRequest.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    public static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toString(StandardCharsets.UTF_8);
    }
}
