package dev.gatehouse.appliance.cli.client;

import java.net.URI;

/**
 * No usable answer from the console (exit code 3): connection refused or timed out, TLS failure,
 * or something that is not the console answering. Names the console URL.
 */
final class ConsoleUnreachableException extends ClientException {

    private static final long serialVersionUID = 1L;
    private final URI console;

    ConsoleUnreachableException(URI console, String problem, Throwable cause) {
        super(problem, cause, ClientCommand.UNREACHABLE);
        this.console = console;
    }

    URI console() {
        return console;
    }
}
