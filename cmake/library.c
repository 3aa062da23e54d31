/*
 * libvmxguard.so is linked from the module archives (--whole-archive); a
 * shared library target needs one source of its own, and this is it.  What
 * the library exports are the modules' VG_EXPORT symbols (include/).
 */
#include "vmxguard.h"

/* ISO C wants a translation unit to declare something. */
typedef int vg_library_unit;
