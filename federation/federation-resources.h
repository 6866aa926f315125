#ifndef __RESOURCE_federation_res_H__
#define __RESOURCE_federation_res_H__

#include <gio/gio.h>

extern GResource *federation_res_get_resource (void);
#endif
