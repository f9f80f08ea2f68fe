"""Regional insight (zicht op de problematiek): the phenomenon-picture dashboard of a node."""
