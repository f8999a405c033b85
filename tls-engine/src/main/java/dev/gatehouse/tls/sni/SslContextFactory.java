package dev.gatehouse.tls.sni;

import dev.gatehouse.tls.cert.CertificateBundle;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
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

    SslContext build(CertificateBundle bundle) throws SSLException {
        ApplicationProtocolConfig alpn = http2
                ? new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1);
        try {
            return SslContextBuilder.forServer(bundle.privateKey(), bundle.chain())
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .ciphers(ciphers, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(alpn)
                    .sessionTimeout(sessionTimeoutSeconds)
                    .build();
        } catch (SSLException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SSLException("bundle " + bundle.id() + ": cannot build TLS context: " + e.getMessage(), e);
        }
    }
}
