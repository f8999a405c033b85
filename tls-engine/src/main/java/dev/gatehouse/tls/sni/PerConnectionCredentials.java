package dev.gatehouse.tls.sni;

import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of the shared server context: it has no certificates, because each engine
 * carries its bundle's credential ({@code ReferenceCountedOpenSslEngine.addCredential}, attached by
 * {@link SharedServerContexts} before the handshake).
 *
 * <p>Why it exists at all: Netty installs a certificate callback on every BoringSSL server context
 * and, during the handshake, asks the context's key manager for an alias
 * ({@code OpenSslKeyMaterialManager.setKeyMaterialServerSide}); no alias at all fails the
 * handshake ("Unable to find key material"). So this manager names one alias for every key type,
 * and has no chain for it: {@code OpenSslKeyMaterialProvider.chooseKeyMaterial} then returns null
 * and Netty adds nothing, leaving BoringSSL to serve the engine's credential.
 *
 * <p>Choosing the bundle here instead (alias = bundle id, read from the engine) would make Netty
 * parse the chain and key on every handshake: its non-caching provider keeps only the last
 * alias's native material, and {@code OpenSslCachingX509KeyManagerFactory}'s per-alias cache
 * can be neither bounded by recency nor invalidated (when full it just stops caching, and a
 * replaced certificate under the same alias would be served from the cache).
 */
final class PerConnectionCredentials extends X509ExtendedKeyManager {

    /** The one alias, with no chain and no key. */
    static final String ALIAS = "gatehouse-per-connection-credential";

    static final KeyManagerFactory FACTORY = new KeyManagerFactoryWrapper(new PerConnectionCredentials());

    private PerConnectionCredentials() {
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }
}
