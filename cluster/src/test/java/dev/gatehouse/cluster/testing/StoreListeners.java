package dev.gatehouse.cluster.testing;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.StoreListener;
import java.util.List;
import java.util.function.Consumer;

/** Store listeners for tests that record what a store announced. */
public final class StoreListeners {

    private StoreListeners() {
    }

    /** Adds to {@code heard}, in order, {@code put <id>} for every certificate written and {@code rm <id>} for every one removed. */
    public static StoreListener certificateChanges(List<String> heard) {
        return new StoreListener() {
            @Override
            public void certificatePut(CertificateRecord record) {
                heard.add("put " + record.id());
            }

            @Override
            public void certificateRemoved(String id) {
                heard.add("rm " + id);
            }
        };
    }

    /** Hears the certificate id whenever its OCSP state is written or removed. */
    public static StoreListener onOcspChanged(Consumer<String> heard) {
        return new StoreListener() {
            @Override
            public void ocspChanged(String certificate) {
                heard.accept(certificate);
            }
        };
    }
}
