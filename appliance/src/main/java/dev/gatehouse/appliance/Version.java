package dev.gatehouse.appliance;

import picocli.CommandLine.IVersionProvider;

/** The version of the running build, from the jar manifest. */
public final class Version implements IVersionProvider {

    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"gatehouse " + current()};
    }
}
