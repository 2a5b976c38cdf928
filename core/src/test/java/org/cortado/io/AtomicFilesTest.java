package org.cortado.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void replacesTheTargetAndLeavesNothingElse() throws IOException {
        Path target = tmp.resolve("out.txt");
        AtomicFiles.writeString(target, "first");
        AtomicFiles.writeString(target, "second");
        assertEquals("second", Files.readString(target));
        assertEquals(List.of(target), list());
    }

    @Test
    void aFailingWriterKeepsTheOldContentAndRemovesItsTemporaryFile() throws IOException {
        Path target = tmp.resolve("out.bin");
        Files.writeString(target, "old");
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
            out.write(new byte[100_000]);
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), list());

        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(target, out -> {
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), list());
    }

    @Test
    void aMissingDirectoryIsNamed() {
        Path target = tmp.resolve("no/such/dir/out.npy");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.writeString(target, "x"));
        assertTrue(e.getMessage().startsWith(target + ": cannot write: directory "), e.getMessage());
        assertTrue(e.getMessage().endsWith("does not exist"), e.getMessage());
    }

    @Test
    void theFileGetsOrdinaryPermissionsNotThoseOfATemporaryFile() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
        Path target = tmp.resolve("model.caffemodel");
        AtomicFiles.writeString(target, "x");
        Path plain = Files.writeString(tmp.resolve("plain"), "x");
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
        assertEquals(expected, Files.getPosixFilePermissions(target));
    }

    private List<Path> list() throws IOException {
        try (var files = Files.list(tmp)) {
            return files.sorted().toList();
        }
    }
}
