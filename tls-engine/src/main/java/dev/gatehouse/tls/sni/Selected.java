package dev.gatehouse.tls.sni;

/**
 * The outcome of a ClientHello's lookup: the bundle chosen for it and that bundle's key material,
 * retained for this handshake (released by {@link TenantSniHandler} once the engine exists).
 */
record Selected(Served served, KeyMaterial material) {
}
