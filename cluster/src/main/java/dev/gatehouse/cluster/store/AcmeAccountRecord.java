package dev.gatehouse.cluster.store;

import java.util.Objects;

/**
 * The cluster's account at one ACME directory, created once and shared by every node. The account
 * key pair (PKCS#8 private key) is sealed; its associated data binds it to this id and directory.
 *
 * @param id         stable id of the directory ({@code acct_<hash of the directory URL>})
 * @param directory  the directory URL the account belongs to
 * @param accountUrl the account's URL (its key id for JWS)
 * @param sealedKey  the account's PKCS#8 private key, sealed
 * @param publicKey  the X.509 SubjectPublicKeyInfo of the key pair, base64
 * @param createdAt  epoch milliseconds
 * @param revision   write revision
 */
public record AcmeAccountRecord(String id, String directory, String accountUrl, SealedValue sealedKey, String publicKey,
        long createdAt, long revision) {

    public AcmeAccountRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(accountUrl, "accountUrl");
        Objects.requireNonNull(sealedKey, "sealedKey");
        Objects.requireNonNull(publicKey, "publicKey");
    }

    public String keyAad() {
        return keyAad(id, directory);
    }

    public static String keyAad(String id, String directory) {
        return "gatehouse/acme-account-key/v1|" + id + "|" + directory;
    }

    @Override
    public String toString() {
        return "AcmeAccountRecord[id=" + id + ", directory=" + directory + ", accountUrl=" + accountUrl + "]";
    }
}
