package dev.gatehouse.cluster.testing;

import dev.gatehouse.cluster.store.CertificateRecord;
import dev.gatehouse.cluster.store.EventRecord;
import dev.gatehouse.cluster.store.StoreListener;
import java.util.function.Consumer;

/** Store listeners that hear one kind of change, for tests that record what a store announced. */
public final class StoreListeners {

    private StoreListeners() {
    }

    public static StoreListener onCertificatePut(Consumer<CertificateRecord> heard) {
        return new StoreListener() {
            @Override
            public void certificatePut(CertificateRecord record) {
                heard.accept(record);
            }
        };
    }

    public static StoreListener onCertificateRemoved(Consumer<String> heard) {
        return new StoreListener() {
            @Override
            public void certificateRemoved(String id) {
                heard.accept(id);
            }
        };
    }

    public static StoreListener onEventAdded(Consumer<EventRecord> heard) {
        return new StoreListener() {
            @Override
            public void eventAdded(EventRecord event) {
                heard.accept(event);
            }
        };
    }

    public static StoreListener onOcspChanged(Consumer<String> heard) {
        return new StoreListener() {
            @Override
            public void ocspChanged(String certificate) {
                heard.accept(certificate);
            }
        };
    }
}
