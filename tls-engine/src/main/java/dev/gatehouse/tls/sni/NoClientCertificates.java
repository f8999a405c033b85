package dev.gatehouse.tls.sni;

import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust manager of server contexts: the edge never requests client certificates, so it trusts
 * none and advertises no client CA list (an empty list keeps each TLS context small and cheap to build).
 */
final class NoClientCertificates implements X509TrustManager {

    static final TrustManagerFactory FACTORY = new SimpleTrustManagerFactory() {
        private final TrustManager[] managers = {new NoClientCertificates()};

        @Override
        protected void engineInit(KeyStore keyStore) {
            // nothing to load
        }

        @Override
        protected void engineInit(ManagerFactoryParameters params) {
            // nothing to load
        }

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return managers.clone();
        }
    };

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificates are not accepted");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("not a client");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
