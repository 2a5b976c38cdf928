package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where libraries are looked for, and what is read from them, without a GPU. */
class LibrarySearchTest {
    @TempDir
    Path tmp;

    @Test
    void cudaFoldersComeCurrentFirstThenNewestVersion() throws IOException {
        for (String d : List.of("cuda-12.4", "cuda-13.0", "cuda", "cuda-12.10", "cudnn", "other")) {
            Files.createDirectories(tmp.resolve(d));
        }
        List<Path> order = LibrarySearch.versionedChildren(tmp, "cuda");
        assertEquals(List.of(tmp.resolve("cuda"), tmp.resolve("cuda-13.0"), tmp.resolve("cuda-12.10"),
                tmp.resolve("cuda-12.4")), order);
    }

    @Test
    void ldconfigOutputGivesX8664EntriesOnly() {
        String out = "1234 libs found in cache `/etc/ld.so.cache'\n"
                + "\tlibcublas.so.13 (libc6,x86-64) => /usr/local/cuda-13.0/targets/x86_64-linux/lib/libcublas.so.13\n"
                + "\tlibcublas.so.13 (libc6) => /usr/lib32/libcublas.so.13\n"
                + "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1\n"
                + "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib64/libcuda.so.1\n";
        Map<String, Path> cache = new LinkedHashMap<>();
        LibrarySearch.parseLdconfig(out, cache);
        assertEquals(Map.of("libcublas.so.13", Path.of("/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcublas.so.13"),
                "libcuda.so.1", Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1")), cache);
    }

    @Test
    void findsInFolderOrderAndSaysWhatItSearched() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.writeString(b.resolve("libcudnn.so.9"), "x");
        Files.writeString(a.resolve("libcudnn.so.9"), "x");
        LibrarySearch s = LibrarySearch.of(List.of(tmp.resolve("absent"), a, b));
        assertEquals(a.resolve("libcudnn.so.9"), s.find("libcudnn.so.9").orElseThrow());
        assertTrue(s.find("libcudnn.so.8").isEmpty());
        assertFalse(s.loaderFinds("libcudnn.so.9"));
        assertTrue(s.describe().contains(tmp.resolve("absent") + " (absent)"), s.describe());
    }

    @Test
    void elfInfoReadsSonameAndNeededAndNamesABadFile() throws IOException {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        if (Files.isRegularFile(libc)) {
            ElfInfo info = ElfInfo.read(libc);
            assertEquals("libc.so.6", info.soname());
            assertTrue(info.needed().stream().anyMatch(n -> n.startsWith("ld-linux")), info.toString());
        }
        Path bad = Files.writeString(tmp.resolve("libfake.so.1"), "not an ELF file, just text of some length");
        IOException e = assertThrows(IOException.class, () -> ElfInfo.read(bad));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }
}
