#include <stdio.h>
#include <locale.h>
#include <editline/readline.h>

/* Only libedit's readline-compatible layer is used (mixing it with el_* on one handle breaks). */

/* Swift sees `rl_attempted_completion_function` through this setter, keeping the C
   function-pointer type in one place. */
static inline void sn_set_completion_function(char **(*f)(const char *, int, int)) {
    rl_attempted_completion_function = f;
}

/* The word under the cursor is what Swift completes; break only at these characters. */
static inline void sn_set_word_breaks(const char *breaks) {
    rl_basic_word_break_characters = breaks;
    rl_completer_word_break_characters = (char *)breaks;
}
