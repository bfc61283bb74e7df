/** Every Compute resource module, loaded once for its handler definitions. */
import './operations-api.js';
import './resources/locations.js';
import './resources/disks.js';
import './resources/instances.js';
import './resources/snapshots.js';
import './resources/networks.js';
import './resources/addresses.js';
import './resources/load-balancing.js';
import './resources/instance-groups.js';
import './resources/public-images.js';
import './resources/instance-lifecycle.js';
import './resources/instance-create.js';
import './resources/instance-settings.js';
import './resources/instance-templates.js';
import './resources/instance-group-managers.js';
