package dev.gatehouse.appliance.cli.client;

/**
 * Why a console client command failed, with the exit code it ends with (see the package
 * description): the console refused ({@link ApiRefusedException}), an option is wrong
 * ({@link BadOptionException}), or the console cannot be reached ({@link ConsoleUnreachableException}).
 * The message is the one line printed on stderr.
 */
abstract sealed class ClientException extends Exception
        permits ApiRefusedException, BadOptionException, ConsoleUnreachableException {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    ClientException(String message, Throwable cause, int exitCode) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The process exit code for this failure. */
    final int exitCode() {
        return exitCode;
    }
}
