package dev.gatehouse.appliance.backup;

/** A backup that cannot be written, read or restored; the message names the file and why. */
public final class BackupException extends Exception {

    public BackupException(String message) {
        super(message);
    }
}
