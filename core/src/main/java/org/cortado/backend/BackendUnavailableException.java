package org.cortado.backend;

/**
 * A requested backend cannot run here. The message is meant for the user as it is: its first line says what is
 * missing, the following lines what was looked for, where, and why each candidate failed.
 */
public final class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first line of the message: a summary fit for a one-line notice. */
    public String summary() {
        String m = getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
