package dev.gatehouse.appliance.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a field of a bound section record takes, beside its Java type: its default and its bounds.
 * The default is written as the file would write it ({@code "10s"}, {@code "64KiB"}), so the record
 * is the one place that says what an absent field means. See {@link ConfigBinder}.
 */
final class Bind {

    private Bind() {
    }

    /** The value when the field is absent or null, as YAML text. Without it: null (or 0 / false). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Default {
        String value();
    }

    /** An integer field's bounds, reported as {@code an integer in min..max}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Range {
        int min();

        int max();
    }

    /** A duration field's lower bound ({@code >= min}; zero is reported the same way). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface AtLeast {
        String value();
    }

    /** A size in bytes ({@code 16384}, {@code 64KiB}, {@code 1GB}) on a long or int field. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface Size {
    }

    /** A nested section that stays null when absent (instead of being bound from {@code {}} with its defaults). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface IfPresent {
    }

    /**
     * A duration or address field that also takes {@code off} (any case) and {@code false}, read as null:
     * where a field documents {@code off}, both spellings work, since YAML 1.1 tools turn one into the other.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
    @interface OrOff {
    }

    /** On a record type: what a list element of this type that is not a mapping is reported as expecting. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Expect {
        String value();
    }

    /**
     * On a record type: a scalar list element is short for a mapping with only this field
     * ({@code vips: [198.18.0.100/24]} is {@code vips: [{address: 198.18.0.100/24}]}).
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Shorthand {
        String value();
    }
}
