package org.cortado.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that readers see either the old file or the complete new one, never a half-written one: the
 * content goes to a temporary file in the target's directory, is forced to disk, and is then renamed over the
 * target. A failed write leaves the target as it was and removes the temporary file.
 */
public final class AtomicFiles {
    private static final int BUFFER_BYTES = 1 << 16;

    /** Produces a file's content. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out} (buffered; closed by the caller). */
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes {@code target} atomically.
     *
     * @throws UncheckedIOException naming {@code target} when it cannot be written (the directory is missing, no
     *                              space, ...); exceptions thrown by {@code content} pass through unchanged
     */
    public static void write(Path target, Content content) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Same directory as the target: a rename is atomic only within one file system.
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + ".tmp");
        boolean moved = false;
        try {
            // Not Files.createTempFile: it creates the file with mode 0600, which the renamed file would keep.
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES)) {
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            move(tmp, absolute);
            moved = true;
            syncDirectory(dir);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException(target + ": cannot write: directory " + dir + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write: " + e, e);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original failure is the one worth reporting.
                }
            }
        }
    }

    /**
     * Creates the folder {@code target} goes in, for outputs a user names on the command line ({@code --report
     * out/r.json} on a fresh checkout); {@link #write} itself does not, so that a mistyped folder elsewhere is named.
     *
     * @return {@code target}
     * @throws UncheckedIOException naming the folder when it cannot be created
     */
    public static Path withParentFolder(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot create its folder " + parent + ": " + e, e);
        }
        return target;
    }

    /** Writes {@code bytes} to {@code target} atomically. */
    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code text} as UTF-8 to {@code target} atomically. */
    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Some file systems (certain network mounts) cannot rename atomically; replacing is the best they offer.
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the rename itself durable where the platform allows opening a directory (Linux, macOS). */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open directories; the file's content is already on disk, only the rename may be lost.
        }
    }
}
