/**
 * Certificate uploads (PEM or PKCS#12): validation against the upload policy and the caller's verified
 * names, sealing of the private key, replacement and deletion.
 */
package dev.gatehouse.appliance.certs;
