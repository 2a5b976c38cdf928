package org.cortado.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.cortado.testing.RepositoryFiles;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
    static Path repositoryManifest() {
        return RepositoryFiles.manifest();
    }

    @Test
    void theRepositoryManifestListsTheSupportedModels() {
        Manifest m = Manifest.read(repositoryManifest());
        assertEquals(List.of("bvlc_alexnet", "bvlc_reference_caffenet", "bvlc_googlenet", "squeezenet_v1.0",
                "squeezenet_v1.1"), m.names());
        assertEquals("fc7", m.get("bvlc_alexnet").codeLayer().layer());
        assertEquals("fc7", m.get("bvlc_reference_caffenet").codeLayer().layer());
        assertEquals("pool5/7x7_s1", m.get("bvlc_googlenet").codeLayer().layer());
        assertEquals("fire9/concat", m.get("squeezenet_v1.0").codeLayer().layer());
        assertEquals(224, m.get("bvlc_googlenet").input().height());
        assertEquals("SHA-1", m.get("squeezenet_v1.1").checksum().algorithm());
        assertNull(m.get("squeezenet_v1.0").sha1());
        assertEquals("SHA-384", m.get("squeezenet_v1.0").checksum().algorithm());
        assertTrue(m.labels().containsKey("synset_words.txt"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.get("vgg16"));
        assertTrue(e.getMessage().contains("bvlc_alexnet"), e.getMessage());
    }

    @Test
    void theJarCarriesTheRepositoryManifest() {
        assertEquals(Manifest.read(repositoryManifest()), Manifest.bundled());
    }

    @Test
    void checksumsAgreeWithTheModelZooReadmes() throws Exception {
        Manifest m = Manifest.read(repositoryManifest());
        Pattern sha = Pattern.compile("(?m)^sha1: ([0-9a-f]{40})$");
        Pattern url = Pattern.compile("(?m)^caffemodel_url: (\\S+)$");
        for (String name : List.of("bvlc_alexnet", "bvlc_reference_caffenet", "bvlc_googlenet")) {
            String readme = Files.readString(SharedData.require("models/caffe/" + name + "/readme.md"));
            var s = sha.matcher(readme);
            var u = url.matcher(readme);
            assertTrue(s.find() && u.find(), name);
            assertEquals(s.group(1), m.get(name).sha1(), name);
            assertEquals(u.group(1), m.get(name).urls().get(0), name);
            assertNotNull(SharedData.require(m.get(name).deploy().shared()));
        }
    }

    @TempDir
    Path dir;

    @Test
    void badManifestsAreRejectedNamingTheModel() throws Exception {
        Path f = dir.resolve("m.json");
        Files.writeString(f, """
                {"format": "cortado-weights/1", "labels": {}, "models": [
                 {"name": "x", "caffemodel": "x.caffemodel", "urls": ["http://h/x"], "sha1": null}]}
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Manifest.read(f));
        assertTrue(e.getMessage().contains("model 'x'") && e.getMessage().contains("sha1_missing"), e.getMessage());
        Files.writeString(f, """
                {"format": "cortado-weights/1", "models": [
                 {"name": "x", "caffemodel": "x.caffemodel", "urls": ["http://h/x"], "sha1": "ab", "sah256": "cd"}]}
                """);
        assertThrows(IllegalArgumentException.class, () -> Manifest.read(f));
        Files.writeString(f, "{\"format\": \"other\"}");
        assertThrows(IllegalArgumentException.class, () -> Manifest.read(f));
    }

    @Test
    void onlyHttpAndHttpsUrlsAndPositiveSizesAreAccepted() throws Exception {
        Path f = dir.resolve("m.json");
        for (String url : List.of("file:///etc/passwd", "ftp://h/x.caffemodel", "x.caffemodel")) {
            Files.writeString(f, """
                    {"format": "cortado-weights/1", "models": [
                     {"name": "x", "caffemodel": "x.caffemodel", "urls": ["https://h/x", "%s"], "sha1": "ab"}]}
                    """.formatted(url));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Manifest.read(f));
            assertTrue(e.getMessage().contains("model 'x': URL '" + url + "' is not http or https"), e.getMessage());
        }
        Files.writeString(f, """
                {"format": "cortado-weights/1", "models": [
                 {"name": "x", "caffemodel": "x.caffemodel", "urls": ["HTTP://h/x"], "sha1": "ab", "size": 0}]}
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Manifest.read(f));
        assertTrue(e.getMessage().contains("size must be a positive number of bytes, got 0"), e.getMessage());
    }
}
