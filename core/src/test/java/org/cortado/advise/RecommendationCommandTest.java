package org.cortado.advise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RecommendationCommandTest {
    @Test
    void plainWordsStayAndOthersAreQuotedForTheShell() {
        assertEquals("../shared/data/hymenoptera/train", Recommendation.shellWord("../shared/data/hymenoptera/train"));
        assertEquals("list:train.txt,root=/data", Recommendation.shellWord("list:train.txt,root=/data"));
        assertEquals("'my photos/train'", Recommendation.shellWord("my photos/train"));
        assertEquals("'it'\\''s'", Recommendation.shellWord("it's"));
        assertEquals("'$HOME;rm'", Recommendation.shellWord("$HOME;rm"));
        assertEquals("''", Recommendation.shellWord(""));
    }
}
