package org.cortado.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The write stamp that derived forms of host values key on: it moves at every hand-out for writing, and only then. */
class HostBufferTest {
    @Test
    void everyHandOutForWritingTakesANewStampAndReadingKeepsIt() {
        Tensor t = Tensor.zeros(Shape.of(2, 3));
        long before = t.hostWriteStamp();
        assertSame(t.hostDataToRead(), t.hostDataToRead());
        assertEquals(before, t.hostWriteStamp(), "reading counts no write");
        t.hostData()[1] = 4;
        long after = t.hostWriteStamp();
        assertNotEquals(before, after);
        t.hostData();
        assertNotEquals(after, t.hostWriteStamp(), "every call counts, written or not");
        HostBuffer b = (HostBuffer) t.buffer();
        long s = b.writeStamp();
        b.data();
        assertNotEquals(s, b.writeStamp(), "the buffer's own accessor counts as a write too");
    }

    @Test
    void aReshapedHandleSharesTheStampAndAnotherBufferHasItsOwn() {
        Tensor t = Tensor.zeros(Shape.of(2, 3));
        Tensor flat = t.reshape(Shape.of(6));
        flat.hostData()[5] = 1;
        assertEquals(flat.hostWriteStamp(), t.hostWriteStamp(), "one buffer: a write through either handle counts");
        Tensor other = Tensor.zeros(Shape.of(2, 3));
        assertNotEquals(t.hostWriteStamp(), other.hostWriteStamp(), "stamps are never taken twice");
    }
}
