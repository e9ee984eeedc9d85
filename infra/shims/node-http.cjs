// The bundles' `http`: Node's CommonJS module, through the bundle's require().
module.exports = require("node:http");
