/* capsim: what the error codes of capsim/types.h say. */
#include "capsim/types.h"

#include <stddef.h>

static const char *const errstr[] = {
	"success", "invalid argument", "out of memory", "input/output error",
	"malformed input", "does not fit", "plugin ABI mismatch",
};

const char *cs_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= 0 && (size_t)err < sizeof errstr / sizeof errstr[0])
		return errstr[err];
	return "unknown error";
}
