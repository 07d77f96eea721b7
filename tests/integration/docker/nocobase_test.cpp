// NocoBase in a container: see docker-nocobase.sh
