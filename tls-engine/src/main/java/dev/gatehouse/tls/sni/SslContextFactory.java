package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;
import dev.gatehouse.tls.cert.KeyType;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.OpenSslCredentialBuilder;
import io.netty.handler.ssl.PemPrivateKey;
import io.netty.handler.ssl.PemX509Certificate;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds server TLS contexts: BoringSSL through netty-tcnative when its native library loads, the
 * JDK provider otherwise. TLS 1.2 and 1.3 only, the HTTP/2 cipher list (AEAD suites with forward
 * secrecy, RFC 7540 §9.2.2), ALPN {@code h2} then {@code http/1.1}.
 */
public final class SslContextFactory {

    private static final Logger log = LoggerFactory.getLogger(SslContextFactory.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SslProvider provider;
    private final boolean http2;
    private final long sessionTimeoutSeconds;
    private final List<String> ciphers;
    private volatile OpenSslSessionTicketKey[] ticketKeys = {randomTicketKey()};

    /**
     * @param preferNative         use BoringSSL when available
     * @param http2                advertise h2 in ALPN
     * @param sessionTimeoutSeconds lifetime of session tickets / cache entries
     */
    public SslContextFactory(boolean preferNative, boolean http2, long sessionTimeoutSeconds) {
        boolean nativeOk = preferNative && OpenSsl.isAvailable();
        if (preferNative && !nativeOk) {
            log.warn("event=tls_provider_fallback provider=JDK cause={}", String.valueOf(OpenSsl.unavailabilityCause()));
        }
        this.provider = nativeOk ? SslProvider.OPENSSL_REFCNT : SslProvider.JDK;
        this.http2 = http2;
        this.sessionTimeoutSeconds = sessionTimeoutSeconds;
        this.ciphers = Http2SecurityUtil.CIPHERS;
    }

    /** The provider in use: {@code OPENSSL_REFCNT} (BoringSSL) or {@code JDK}. */
    public SslProvider provider() {
        return provider;
    }

    /** A short description for status pages, e.g. {@code BoringSSL}. */
    public String providerName() {
        return provider == SslProvider.JDK ? "JDK" : OpenSsl.versionString();
    }

    /**
     * Replaces the session ticket keys (first one encrypts, all decrypt) for contexts built from
     * now on; the cluster module rotates them node-wide (and cluster-wide) through this.
     */
    public void ticketKeys(OpenSslSessionTicketKey... keys) {
        if (keys.length == 0) {
            throw new IllegalArgumentException("ticketKeys: none (expected: at least one)");
        }
        this.ticketKeys = keys.clone();
    }

    /** Same as {@link #ticketKeys(OpenSslSessionTicketKey...)} from raw 48-byte keys (name, HMAC, AES). */
    public void ticketKeys(List<byte[]> raw) {
        OpenSslSessionTicketKey[] keys = new OpenSslSessionTicketKey[raw.size()];
        for (int i = 0; i < keys.length; i++) {
            byte[] k = raw.get(i);
            if (k.length != 48) {
                throw new IllegalArgumentException("ticketKeys[" + i + "]: " + k.length + " bytes (expected: 48)");
            }
            keys[i] = new OpenSslSessionTicketKey(Arrays.copyOfRange(k, 0, 16), Arrays.copyOfRange(k, 16, 32),
                    Arrays.copyOfRange(k, 32, 48));
        }
        ticketKeys(keys);
    }

    /** Puts the current ticket keys on a context that was built earlier (a no-op for JDK contexts). */
    void applyTicketKeys(SslContext ctx) {
        if (ctx.sessionContext() instanceof OpenSslSessionContext sessions) {
            sessions.setTicketKeys(ticketKeys);
        }
    }

    /**
     * Whether certificates are attached per connection to a shared context ({@link #buildShared},
     * {@link #credential}): BoringSSL's {@code SSL_CREDENTIAL} API through netty-tcnative. Otherwise
     * (the JDK provider, or a tcnative built on OpenSSL) every bundle gets its own context ({@link #build}).
     */
    boolean sharesContexts() {
        return provider != SslProvider.JDK && OpenSslCredential.isAvailable();
    }

    /**
     * Enables RFC 5077 / RFC 8446 §4.6.1 session tickets with this node's keys, and, on a per-bundle
     * context, gives the bundle its own session id context: BoringSSL then refuses to resume a session
     * that was established for another certificate, so a ticket can never carry one tenant's
     * authentication over to another tenant's name. (A shared context gets the bundle's session id
     * context before each engine instead, see {@link SharedServerContexts}.)
     */
    private void configureSessions(SslContext ctx, CertificateBundle bundle) {
        if (ctx.sessionContext() instanceof OpenSslSessionContext sessions) {
            sessions.setTicketKeys(ticketKeys);
            if (bundle != null && sessions instanceof OpenSslServerSessionContext server) {
                server.setSessionIdContext(sessionIdContext(bundle));
            }
        }
    }

    /** The session id context of a bundle: 32 bytes (SSL_MAX_SID_CTX_LENGTH) bound to its id and certificate. */
    static byte[] sessionIdContext(CertificateBundle bundle) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (bundle.id() + "/" + bundle.fingerprint()).getBytes(StandardCharsets.UTF_8));
            return Arrays.copyOf(digest, 32); // SSL_MAX_SID_CTX_LENGTH
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A random ticket key: 16-byte name, 16-byte HMAC key, 16-byte AES key. */
    public static OpenSslSessionTicketKey randomTicketKey() {
        SecureRandom random = new SecureRandom();
        byte[] name = new byte[16];
        byte[] hmac = new byte[16];
        byte[] aes = new byte[16];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new OpenSslSessionTicketKey(name, hmac, aes);
    }

    /** A context of its own for one bundle: the JDK provider, or OpenSSL without credentials (see {@link #sharesContexts}). */
    SslContext build(CertificateBundle bundle) throws SSLException {
        try {
            SslContextBuilder b = configure(SslContextBuilder.forServer(bundle.privateKey(), bundle.chain())
                    // Netty hands key and chain to OpenSSL through a transient in-memory key store; PKCS#12
                    // (the JDK default) protects the key with 10,000 PBKDF2 rounds, ~15 ms per context.
                    .keyStoreType("JKS"));
            if (provider != SslProvider.JDK) {
                // lets its engines carry the bundle's OCSP response (OcspStapling.onEngine); shared contexts
                // need no such switch: there the response is on the credential
                b.enableOcsp(true);
            }
            SslContext ctx = b.build();
            configureSessions(ctx, bundle);
            return ctx;
        } catch (SSLException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SSLException("bundle " + bundle.id() + ": cannot build TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * A server context without a certificate of its own, shared by every tenant: each engine gets its
     * bundle's {@link #credential} before the handshake. Netty installs a certificate callback on
     * every server context and asks a key manager from it; {@link PerConnectionCredentials} answers
     * with nothing to add, so the credential on the engine is what BoringSSL serves.
     */
    SslContext buildShared() throws SSLException {
        SslContext ctx = configure(SslContextBuilder.forServer(PerConnectionCredentials.FACTORY)).build();
        configureSessions(ctx, null);
        return ctx;
    }

    /**
     * The native certificate chain and key of a bundle (a BoringSSL {@code SSL_CREDENTIAL}), parsed once
     * and attached to each engine that serves the bundle. Built straight from the stored DER through
     * PEM wrappers, without JCA objects: tens of microseconds instead of a context's ~0.7 ms.
     */
    OpenSslCredential credential(CertificateBundle bundle) throws SSLException {
        return credential(bundle, null);
    }

    /** {@link #credential(CertificateBundle)} carrying an OCSP response to staple ({@code ocsp}, or null). */
    OpenSslCredential credential(CertificateBundle bundle, byte[] ocsp) throws SSLException {
        List<byte[]> chainDer = bundle.chainDer(); // decoded once: a stored bundle holds its chain as PEM
        PemX509Certificate chain = PemX509Certificate.valueOf(PemBytes.chain(chainDer));
        byte[] keyDer = bundle.keyType().family() == KeyType.Family.ECDSA
                ? EcPublicKeyInKey.complete(bundle.keyPkcs8(), chainDer.get(0))
                : bundle.keyPkcs8();
        PemPrivateKey key = PemPrivateKey.valueOf(PemBytes.privateKey(keyDer));
        try {
            OpenSslCredential credential = OpenSslCredentialBuilder.forX509(key, chain).build();
            try {
                OcspStapling.onCredential(credential, ocsp, bundle.id());
            } catch (SSLException e) {
                credential.release();
                throw e;
            }
            return credential;
        } catch (RuntimeException e) {
            throw new SSLException("bundle " + bundle.id() + ": cannot build TLS credential: " + e.getMessage(), e);
        } finally {
            key.release(); // zeroes the PEM copy of the key
            chain.release();
        }
    }

    /** Protocols, ciphers, ALPN and session lifetime: the one TLS policy every context shares. */
    private SslContextBuilder configure(SslContextBuilder builder) {
        ApplicationProtocolConfig alpn = http2
                ? new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1);
        return builder
                .sslProvider(provider)
                // without a trust manager Netty loads the JDK's ~140 root CAs into every context as the
                // client-CA list (~7 ms and tens of KB each); we never ask for client certificates
                .trustManager(NoClientCertificates.FACTORY)
                .protocols(PROTOCOLS)
                .ciphers(ciphers, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(alpn)
                .sessionTimeout(sessionTimeoutSeconds);
    }
}
