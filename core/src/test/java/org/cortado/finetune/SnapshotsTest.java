package org.cortado.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.testing.TinyFineTuning;
import org.cortado.testing.TinyImages;
import org.cortado.testing.TinyNets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot sets: written whole or not at all, checked whole on resume (sizes, digests, iteration, which caffemodel a
 * solver state belongs to), refused by name when damaged or mixed or made with other compute settings, and found
 * among foreign files.
 */
class SnapshotsTest {
    @TempDir
    static Path dir;
    static Path deploy;
    static Path weights;
    /** The snapshots of a one-epoch run of 5 iterations on 2 threads: iter_000002, iter_000004, iter_000005, best. */
    static Path base;
    static FineTuneResult whole;

    @BeforeAll
    static void material() throws Exception {
        TinyImages.write(dir.resolve("data"), 12, 6, 5);
        deploy = Files.writeString(dir.resolve("tiny.prototxt"), TinyNets.DEPLOY);
        weights = dir.resolve("tiny.caffemodel");
        TinyImages.writeTinyWeights(weights, 9);
        base = dir.resolve("base");
        whole = FineTuner.run(config(base).build(), new CpuBackend(2), new FineTuneListener() {});
    }

    private static FineTuneConfig.Builder config(Path snapshots) {
        return TinyFineTuning.config(deploy, weights, dir.resolve("data")).epochs(1).snapshots(snapshots, 2);
    }

    /** A copy of the base snapshots to spoil. */
    private static Path copy(String name) throws Exception {
        Path to = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> files = Files.list(base)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static FineTuneResult resume(Path snapshots, int threads) {
        return FineTuner.run(config(snapshots).resume(true).build(), new CpuBackend(threads),
                new FineTuneListener() {});
    }

    private static ObjectNode manifest(Path snapshots, String tag) throws Exception {
        return (ObjectNode) Snapshots.JSON.readTree(snapshots.resolve(tag + Snapshots.MANIFEST_SUFFIX).toFile());
    }

    private static List<String> names(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachSnapshotIsAManifestNamingItsOwnFilesWithDigests() throws Exception {
        List<String> files = names(base);
        for (String tag : List.of("best", "iter_000002", "iter_000004", "iter_000005")) {
            ObjectNode m = manifest(base, tag);
            assertEquals(Snapshots.FORMAT, m.get("format").asText());
            String w = m.get("weights").get("name").asText();
            String s = m.get("solver_state").get("name").asText();
            assertTrue(w.matches(tag + "-[0-9a-f]{16}\\.caffemodel") && files.contains(w), w + " in " + files);
            assertTrue(s.matches(tag + "-[0-9a-f]{16}\\.solverstate") && files.contains(s), s + " in " + files);
            assertEquals(Files.size(base.resolve(w)), m.get("weights").get("size").asLong());
            assertEquals(64, m.get("weights").get("sha256").asText().length());
            assertEquals("2", m.get("settings").get("compute_threads").asText());
        }
        assertEquals(4 * 3, files.size(), "no file beyond the four sets: " + files);
    }

    @Test
    void aCrashBeforeTheManifestLeavesThePreviousSetWhichResumes() throws Exception {
        Path snaps = copy("crash");
        // What a crash after the new caffemodel and before its solver state and manifest leaves behind.
        Files.writeString(snaps.resolve("iter_000006-0123456789abcdef.caffemodel"), "half a caffemodel");
        Files.writeString(snaps.resolve(".iter_000006.snapshot.json.1f2e3d.tmp"), "{\"format\": ");
        FineTuneResult r = resume(snaps, 2);
        assertEquals(whole.valAccuracy(), r.valAccuracy());
        assertEquals(5, r.iterations());
    }

    @Test
    void leftoversOfACrashAreRemovedByTheNextSnapshot() throws Exception {
        Path snaps = copy("leftovers");
        Files.writeString(snaps.resolve("best-0123456789abcdef.caffemodel"), "half a caffemodel");
        for (String tag : List.of("best", "iter_000004", "iter_000005")) {
            Files.delete(snaps.resolve(tag + Snapshots.MANIFEST_SUFFIX));
        }
        FineTuneResult r = resume(snaps, 2);
        assertEquals(whole.valAccuracy(), r.valAccuracy(), "resumed from iteration 2");
        List<String> files = names(snaps);
        assertFalse(files.contains("best-0123456789abcdef.caffemodel"), files.toString());
        List<String> referenced = new ArrayList<>();
        for (String f : files) {
            if (f.endsWith(Snapshots.MANIFEST_SUFFIX)) {
                ObjectNode m = manifest(snaps, f.replace(Snapshots.MANIFEST_SUFFIX, ""));
                referenced.add(f);
                referenced.add(m.get("weights").get("name").asText());
                referenced.add(m.get("solver_state").get("name").asText());
            }
        }
        assertEquals(referenced.stream().sorted().toList(), files, "the sets and nothing else");
    }

    @Test
    void aDamagedFileIsRefusedByName() throws Exception {
        Path snaps = copy("damaged");
        String w = manifest(snaps, "iter_000005").get("weights").get("name").asText();
        byte[] bytes = Files.readAllBytes(snaps.resolve(w));
        bytes[bytes.length / 2] ^= 1;
        Files.write(snaps.resolve(w), bytes);
        var e = assertThrows(IllegalStateException.class, () -> resume(snaps, 2));
        assertTrue(e.getMessage().startsWith("--resume: snapshot " + snaps.resolve("iter_000005.snapshot.json")
                + " (iteration 5) is damaged or incomplete: " + w + " has SHA-256 "), e.getMessage());
        assertTrue(e.getMessage().contains("; remove it to resume from "), e.getMessage());
    }

    @Test
    void aMissingFileIsRefusedByName() throws Exception {
        Path snaps = copy("missing");
        String s = manifest(snaps, "iter_000005").get("solver_state").get("name").asText();
        Files.delete(snaps.resolve(s));
        var e = assertThrows(IllegalStateException.class, () -> resume(snaps, 2));
        assertTrue(e.getMessage().contains(s + " is missing"), e.getMessage());
    }

    @Test
    void aMixedSetIsRefusedEvenWithMatchingDigests() throws Exception {
        // The old failure: a caffemodel and a solver state of different snapshots, each intact.
        Path snaps = copy("mixed");
        ObjectNode latest = manifest(snaps, "iter_000005");
        latest.set("solver_state", manifest(snaps, "iter_000004").get("solver_state"));
        Files.writeString(snaps.resolve("iter_000005.snapshot.json"), Snapshots.JSON.writeValueAsString(latest));
        var e = assertThrows(IllegalStateException.class, () -> resume(snaps, 2));
        assertTrue(e.getMessage().contains("is at iteration 4, the manifest at 5"), e.getMessage());

        latest.put("iteration", 4);
        Files.writeString(snaps.resolve("iter_000005.snapshot.json"), Snapshots.JSON.writeValueAsString(latest));
        Files.delete(snaps.resolve("iter_000004.snapshot.json"));
        Files.delete(snaps.resolve("best.snapshot.json"));
        e = assertThrows(IllegalStateException.class, () -> resume(snaps, 2));
        assertTrue(e.getMessage().contains("belongs to iter_000004-") && e.getMessage().contains("not to iter_000005-"),
                e.getMessage());
    }

    @Test
    void foreignJsonInTheFolderIsIgnored() throws Exception {
        Path snaps = copy("foreign");
        Files.writeString(snaps.resolve("notes.json"), "this is not JSON at all");
        Files.writeString(snaps.resolve("zzz.json"), "{\"iteration\": 99}");
        FineTuneResult r = resume(snaps, 2);
        assertEquals(whole.valAccuracy(), r.valAccuracy());
        assertTrue(Files.exists(snaps.resolve("notes.json")) && Files.exists(snaps.resolve("zzz.json")));
    }

    @Test
    void anotherThreadCountIsRefusedWithHowToMatch() throws Exception {
        Path snaps = copy("threads");
        var e = assertThrows(IllegalArgumentException.class, () -> resume(snaps, 1));
        assertTrue(e.getMessage().contains("snapshot was made with 2 compute threads, this run has 1 "
                + "(-Dcortado.threads=2 to match)"), e.getMessage());
    }

    @Test
    void snapshotsOfTheEarlierLayoutAreNotReadAndSaySo() throws Exception {
        Path snaps = Files.createDirectories(dir.resolve("legacy"));
        Files.writeString(snaps.resolve("best.json"), "{\"iteration\": 3, \"weights\": \"best.caffemodel\"}");
        Files.writeString(snaps.resolve("best.caffemodel"), "weights");
        Files.writeString(snaps.resolve("best.solverstate"), "state");
        var e = assertThrows(IllegalArgumentException.class, () -> resume(snaps, 2));
        assertTrue(e.getMessage().contains("best.json there is a snapshot in the layout of an earlier cortado"),
                e.getMessage());
        List<String> unchanged = new ArrayList<>(List.of("best.caffemodel", "best.json", "best.solverstate"));
        assertEquals(unchanged, names(snaps));
    }

    @Test
    void anUnreadableManifestIsRefusedByName() throws Exception {
        Path snaps = copy("unreadable");
        Files.writeString(snaps.resolve("iter_000004.snapshot.json"), "{\"format\": ");
        var e = assertThrows(IllegalStateException.class, () -> resume(snaps, 2));
        assertTrue(e.getMessage().startsWith("--resume: snapshot manifest " + snaps.resolve("iter_000004.snapshot.json")
                + " cannot be read"), e.getMessage());
    }
}
