package dev.gatehouse.cluster.store;

import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One kind of object in the store and everything the stores do differently for it: its name (the
 * snapshot directory {@code store/<name>/} and, prefixed, the grid map), its record class (the JSON
 * codec), how a record names its key and its revision, the secret it carries sealed (opened on
 * load, re-sealed on key rotation), which listener callbacks a change fires, and whether a grid
 * copy beats a newer local one (token revocation is one-way). {@link FileStore} and the grid store
 * read these and nothing else, so a new kind is one entry in {@link RecordKinds} and its record
 * class.
 *
 * @param <T> the record class
 */
public final class RecordKind<T> {

    /**
     * The sealed secret a record carries.
     *
     * @param <T> the record class
     */
    public interface Secret<T> {

        SealedValue sealed(T record);

        /** The associated data the secret is sealed under (it may bind the record's revision). */
        String aad(T record);

        /** The record with the secret replaced (everything else as it is). */
        T withSealed(T record, SealedValue sealed);
    }

    private final String name;
    private final String noun;
    private final Class<T> type;
    private final Function<T, String> key;
    private final ToLongFunction<T> revision;
    private final Secret<T> secret;
    private final boolean openedOnLoad;
    private final BiConsumer<StoreListener, T> onPut;
    private final BiConsumer<StoreListener, String> onRemoved;
    private final BiPredicate<T, T> gridWins;

    private RecordKind(Builder<T> b) {
        this.name = b.name;
        this.noun = b.noun;
        this.type = b.type;
        this.key = b.key;
        this.revision = b.revision;
        this.secret = b.secret;
        this.openedOnLoad = b.openedOnLoad;
        this.onPut = b.onPut;
        this.onRemoved = b.onRemoved;
        this.gridWins = b.gridWins;
    }

    /** Starts a kind: its name ({@link Records}), record class, key and revision accessors. */
    public static <T> Builder<T> builder(String name, Class<T> type, Function<T, String> key,
            ToLongFunction<T> revision) {
        return new Builder<>(name, type, key, revision);
    }

    /** The kind's name: its snapshot directory, its grid map's suffix, its event and audit object kind. */
    public String name() {
        return name;
    }

    /** What one record is called in messages ({@code certificate b: sealed key ...}). */
    public String noun() {
        return noun;
    }

    public Class<T> type() {
        return type;
    }

    public String keyOf(T record) {
        return key.apply(record);
    }

    public long revisionOf(T record) {
        return revision.applyAsLong(record);
    }

    /** The record's sealed secret, or null when the kind has none. */
    public Secret<T> secret() {
        return secret;
    }

    /** True when loading the snapshot opens each record's secret and skips the records whose secret does not open. */
    public boolean openedOnLoad() {
        return openedOnLoad;
    }

    /** The record as {@code type}, or a {@link ClassCastException} naming the kind. */
    public T cast(Object record) {
        if (!type.isInstance(record)) {
            throw new ClassCastException(name + ": " + record.getClass().getName() + " (expected: " + type.getName()
                    + ")");
        }
        return type.cast(record);
    }

    void firePut(StoreListener listener, T record) {
        onPut.accept(listener, record);
    }

    void fireRemoved(StoreListener listener, String key) {
        onRemoved.accept(listener, key);
    }

    /** True when the grid's copy must replace this node's newer one (e.g. a token revoked only in the grid). */
    public boolean gridWinsOver(T grid, T local) {
        return gridWins.test(grid, local);
    }

    @Override
    public String toString() {
        return name;
    }

    /**
     * Builds a kind; what is not set does nothing (no secret, no callbacks, revisions decide).
     *
     * @param <T> the record class
     */
    public static final class Builder<T> {
        private final String name;
        private String noun;
        private final Class<T> type;
        private final Function<T, String> key;
        private final ToLongFunction<T> revision;
        private Secret<T> secret;
        private boolean openedOnLoad;
        private BiConsumer<StoreListener, T> onPut = (l, r) -> { };
        private BiConsumer<StoreListener, String> onRemoved = (l, k) -> { };
        private BiPredicate<T, T> gridWins = (g, l) -> false;

        private Builder(String name, Class<T> type, Function<T, String> key, ToLongFunction<T> revision) {
            this.name = Objects.requireNonNull(name, "name");
            this.noun = name;
            this.type = Objects.requireNonNull(type, "type");
            this.key = Objects.requireNonNull(key, "key");
            this.revision = Objects.requireNonNull(revision, "revision");
        }

        /**
         * The record carries a secret sealed with the store's key.
         *
         * @param openedOnLoad whether opening the snapshot checks that each record's secret opens
         */
        public Builder<T> sealed(Function<T, SealedValue> sealed, Function<T, String> aad,
                BiFunction<T, SealedValue, T> withSealed, boolean openedOnLoad) {
            Objects.requireNonNull(sealed, "sealed");
            Objects.requireNonNull(aad, "aad");
            Objects.requireNonNull(withSealed, "withSealed");
            this.secret = new Secret<>() {
                @Override
                public SealedValue sealed(T record) {
                    return sealed.apply(record);
                }

                @Override
                public String aad(T record) {
                    return aad.apply(record);
                }

                @Override
                public T withSealed(T record, SealedValue value) {
                    return withSealed.apply(record, value);
                }
            };
            this.openedOnLoad = openedOnLoad;
            return this;
        }

        /** What one record is called in messages (default: the kind's name). */
        public Builder<T> noun(String value) {
            this.noun = Objects.requireNonNull(value, "noun");
            return this;
        }

        /** What listeners hear when a record of this kind is written (here or replicated). */
        public Builder<T> onPut(BiConsumer<StoreListener, T> callback) {
            this.onPut = Objects.requireNonNull(callback, "onPut");
            return this;
        }

        /** What listeners hear when a record of this kind is deleted, by key. */
        public Builder<T> onRemoved(BiConsumer<StoreListener, String> callback) {
            this.onRemoved = Objects.requireNonNull(callback, "onRemoved");
            return this;
        }

        /** Both callbacks the same (e.g. routing changed). */
        public Builder<T> onChange(java.util.function.Consumer<StoreListener> callback) {
            Objects.requireNonNull(callback, "onChange");
            this.onPut = (l, r) -> callback.accept(l);
            this.onRemoved = (l, k) -> callback.accept(l);
            return this;
        }

        /** Both callbacks told the record's key (a put tells the key of the record written). */
        public Builder<T> onKeyChanged(BiConsumer<StoreListener, String> callback) {
            Objects.requireNonNull(callback, "onKeyChanged");
            this.onPut = (l, r) -> callback.accept(l, key.apply(r));
            this.onRemoved = callback;
            return this;
        }

        /** When the grid's older copy still wins over the local one (one-way state such as a revocation). */
        public Builder<T> gridWins(BiPredicate<T, T> rule) {
            this.gridWins = Objects.requireNonNull(rule, "gridWins");
            return this;
        }

        public RecordKind<T> build() {
            return new RecordKind<>(this);
        }
    }
}
