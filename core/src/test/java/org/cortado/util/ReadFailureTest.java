package org.cortado.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadFailureTest {
    @Test
    void theJdksExceptionsBecomeAReason(@TempDir Path tmp) {
        Path missing = tmp.resolve("none.caffemodel");
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Files.readAllBytes(missing));
        assertEquals(missing + ": no such file", ReadFailure.describe(missing, e));
        IOException dir = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> Files.readAllBytes(tmp));
        assertEquals(tmp + ": cannot read: " + dir.getMessage(), ReadFailure.describe(tmp, dir));
    }
}
