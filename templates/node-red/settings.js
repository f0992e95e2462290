// Node-RED's settings from the service's variables: flows and credentials in the volume
// (/data/node-red), the editor and admin API behind the generated admin password, credentials
// encrypted with the generated secret.
const bcrypt = require("/opt/node-red/node_modules/bcryptjs");

for (const name of ["NODE_RED_ADMIN_PASSWORD", "NODE_RED_CREDENTIAL_SECRET"]) {
  if (!process.env[name]) throw new Error(name + " is not set (the template generates it)");
}

module.exports = {
  uiPort: Number(process.env.PORT || 1880),
  uiHost: "0.0.0.0",
  userDir: "/data/node-red",
  flowFile: "flows.json",
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET,
  adminAuth: {
    type: "credentials",
    users: [{
      username: process.env.NODE_RED_ADMIN_USER || "admin",
      password: bcrypt.hashSync(process.env.NODE_RED_ADMIN_PASSWORD, 10),
      permissions: "*",
    }],
  },
  logging: { console: { level: "info", metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false } },
};
